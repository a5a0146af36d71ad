// Start GOV.UK Frontend's components (service navigation toggle, error summary focus...).
import { initAll } from "/static/govuk/govuk-frontend.min.js";

initAll();
