/** The `--help` texts, one per command. */
const TOKEN_OPTIONS = `Token options (for every command):
  --wiki ID          the wiki (required)
  --secret S         the wiki's secret; default: from the file WIKICAST_WIKIS_FILE names
  --user NAME        the token's user (sub); default: anonymous
  --groups a,b       the user's groups
  --send PATTERNS    type patterns the token may send, comma-separated ('demo:*')
  --ttl SECONDS      lifetime (default 600)
  --cid ID           the client id (cid claim)`;

export const HELP = {
  main: `Usage: wikicast <command> [options]

Commands:
  token   mint a token for a wiki (printed alone on the last line)
  send    publish one event through ingest (POST $WIKICAST_URL/v1/events)
  tail    print events of topics as they come, one JSON object a line

Run 'wikicast <command> --help' for a command's options.
Environment: WIKICAST_URL (default http://127.0.0.1:8080), WIKICAST_WIKIS_FILE.
Exit codes: 0 ok, 1 usage, 2 auth, 3 invalid input, 4 unreachable or unavailable.`,

  token: `Usage: wikicast token --wiki ID [--user U] [--groups a,b] [--send 'demo:*'] [--ttl 600] [--aud ingest] [--cid C] [--secret S]

Mints a JWT (HS256, signed with the wiki's secret) and prints it alone on stdout's last line.
  --aud AUDIENCE     'ingest' mints a publishing token for POST /v1/events; default: none
                     (a connection token for WebSocket and SSE)

${TOKEN_OPTIONS}`,

  send: `Usage: wikicast send --wiki ID --topic TOPIC [--type T] [--msg JSON|TEXT] [--to CID[,CID]]

Publishes one event through ingest with a freshly minted aud=ingest token, and prints the
accepted event id once RabbitMQ confirmed it.
  --topic TOPIC      '<wiki>:<name>' or a bare name scoped to the wiki; default: --type
  --type T           the event type; default: the topic
  --msg VALUE        JSON if it parses as JSON, else sent as a string
  --to CID           recipients' client ids (repeatable, or comma-separated); default: all
  --timeout SECONDS  give up after this long (default 10)

${TOKEN_OPTIONS}`,

  tail: `Usage: wikicast tail --wiki ID --topics T1[,T2] [--since CURSOR|TIME] [--count N] [--anonymous]

Subscribes over WebSocket ($WIKICAST_URL turned into ws://…/v1/ws) and prints every event as
one JSON object a line on stdout, with its cursor. Logs go to stderr. Reconnects and resumes
by itself; stops on Ctrl-C or SIGTERM (exit 0). A 'retract' event (revision deletion hid
fields of changes printed earlier) also gets a line on stderr naming them.
  --topics T         topics (repeatable, or comma-separated)
  --since CURSOR     replay what came after this cursor first (a cursor printed earlier)
  --since TIME       or every event stamped at or after a time: ISO-8601 with a zone
                     (2026-12-03T10:00:00Z) or milliseconds since the epoch
  --count N          exit 0 after printing N events
  --anonymous        read a public wiki without a token (no secret needed)

${TOKEN_OPTIONS}`,
} as const;
