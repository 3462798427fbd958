/** `scheme://user:password@` (or `scheme://user@`): the credentials part of a URL, wherever it stands in a text. */
const CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]+@/gi

/**
 * The text with every URL in it stripped of its user and password (`nats://user:pass@host:4222` becomes
 * `nats://host:4222`), so that a connection URL from the configuration never reaches a log line, an answer or a span.
 */
export const withoutUrlCredentials = (text: string): string => text.replace(CREDENTIALS, "$1")

/**
 * A comma-separated server list (`NATS_URL`) as logs and errors may show it: each entry stripped of its user and
 * password, entries without a scheme (`user:pass@host:4222`, which the NATS client accepts) included.
 */
export const serversWithoutCredentials = (servers: string): string =>
  servers.split(",").map((entry) => withoutUrlCredentials(entry.trim()).replace(/^[^/]*@/, "")).join(",")
