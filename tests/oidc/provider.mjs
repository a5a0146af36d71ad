// A real OpenID Provider for the tests: panva's oidc-provider (OpenID Certified),
// configured from the JSON file named on the command line (see tests/oidc/server.py).
//
// It listens on 127.0.0.1 on a port the system chooses, then prints one JSON line,
// {"issuer": ...}, so that the fixture knows where it is. Options used by the
// refusal tests, each a way a real deployment goes wrong:
//   tokens_clock_offset_seconds  its clock is off when it issues tokens (so its
//                         ID tokens arrive expired)
//   issuer                the issuer it names differs from the URL it is reached at
//   id_token_algs         the ID token algorithms its clients may ask for
//   publish_other_key     its published JWKS holds another key under the same kid
//                         than the one it signs with (a token signed with another key)
//   end_session           false: it offers no end-session endpoint (RP-initiated
//                         logout off), as some providers do not
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));

// The clock the provider reads; tokens_clock_offset_seconds sets it back while it
// issues tokens (its sign-in pages keep real time, or their cookies would expire).
let clockOffset = 0;
const realNow = Date.now.bind(Date);
Date.now = () => realNow() + clockOffset * 1000;

const { default: Provider } = await import('oidc-provider');

function signingKey(kid) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
}

function publicPart({ d, p, q, dp, dq, qi, ...rest }) {
  return rest;
}

const kid = 'register-test-key';
const key = signingKey(kid);
const otherKey = config.publish_other_key ? signingKey(kid) : null;

const server = createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
const baseUrl = `http://127.0.0.1:${port}`;
const issuer = config.issuer || baseUrl;

// Read at every sign-in, so that a test can move a person between groups.
const accounts = () => JSON.parse(readFileSync(process.argv[2], 'utf8')).accounts || {};
const provider = new Provider(issuer, {
  clients: config.clients,
  jwks: { keys: [key] },
  cookies: { keys: ['register-tests-cookie-key'] },
  // Entra ID puts the groups claim in the ID token: so does this provider.
  claims: {
    openid: ['sub', 'groups', 'oid', 'tid'],
    email: ['email'],
    profile: ['name', 'preferred_username'],
  },
  conformIdTokenClaims: false,
  // A client may ask for ID tokens signed with its secret (HS256) when listed here.
  enabledJWA: { idTokenSigningAlgValues: config.id_token_algs || ['RS256'] },
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: config.end_session !== false },
  },
  async findAccount(ctx, id) {
    const claims = accounts()[id];
    if (!claims) {
      return undefined;
    }
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
});
provider.proxy = false;

const handle = provider.callback();
server.on('request', (req, res) => {
  if (req.url === '/favicon.ico') {
    res.writeHead(204);
    res.end();
    return;
  }
  if (otherKey && req.url === '/jwks') {
    res.writeHead(200, { 'content-type': 'application/jwk-set+json' });
    res.end(JSON.stringify({ keys: [publicPart(otherKey)] }));
    return;
  }
  if (config.tokens_clock_offset_seconds && req.url === '/token') {
    clockOffset = config.tokens_clock_offset_seconds;
    res.on('finish', () => { clockOffset = 0; });
  }
  handle(req, res);
});

process.stdout.write(`${JSON.stringify({ issuer, url: baseUrl })}\n`);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
