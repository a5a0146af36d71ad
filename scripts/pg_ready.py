"""Exit 0 when the PostgreSQL server of a DATABASE_URL answers, 1 otherwise."""

import sys

import dj_database_url
import psycopg2


def main(url: str) -> int:
    """Connect to the server's maintenance database and run one query."""
    config = dj_database_url.parse(url)
    try:
        connection = psycopg2.connect(
            dbname="postgres",
            user=config.get("USER") or None,
            password=config.get("PASSWORD") or None,
            host=config.get("HOST") or None,
            port=config.get("PORT") or None,
            connect_timeout=3,
        )
    except psycopg2.OperationalError as error:
        print(f"PostgreSQL did not answer: {error}".strip(), file=sys.stderr)
        return 1
    connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
