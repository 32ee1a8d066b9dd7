// Loads every function so each registers itself; the Functions runtime also loads each file by the `main` glob.
// Grouped by area, so adding a function touches only its area's block.

// Foundation: health, device config, sessions
import './health-get';
import './openapi-get';
import './config-get';
import './sessions-create';
import './sessions-list';
import './sessions-get';
import './sessions-update';
import './sessions-cancel';

// Ingest, masking and query
import './ingest-post';
import './ingest-logs-post';
import './ingest-traces-post';
import './sessions-consent';
import './otlp-traces-post';
import './otlp-logs-post';
import './logs-list';
import './traces-list';
import './traces-get';
import './timeline-get';
import './redaction-preview';

// Live tail, pattern hooks, grouping by user (issue 16)
import './sessions-tail';
import './hooks-create';
import './hooks-list';
import './hooks-get';
import './hooks-update';
import './hooks-delete';
import './users-sessions-list';
import './users-timeline-get';

// Screenshots, reports, export, regressions
import './screenshots-create';
import './screenshots-confirm';
import './screenshots-list';
import './screenshots-archive';
import './reports-create';
import './reports-get';
import './regressions-post';
import './exports-create';
import './audit-list';

// Events: outbox, subscribers, expiry
import './events-outbox-drain';
import './events-notifications';
import './events-tickets';
import './events-audit';
import './sessions-expire';
import './screenshots-sweep';

// Signals, detection and auto-triggered sessions (issue 17)
import './signals-post';
import './otlp-metrics-post';
import './series-get';
import './alerts-list';
import './rules-create';
import './rules-list';
import './rules-update';
import './rules-delete';
import './triggers-create';
import './triggers-list';
import './triggers-update';
import './triggers-delete';
import './signals-detect';

// Dashboard: the web UI at the site root (registered last: a catch-all, after every literal API route)
import './dashboard-get';
