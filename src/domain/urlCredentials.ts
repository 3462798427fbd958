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

/** How a NATS client proves who it is: a user and password, or a token (a URL's user without a password). */
export type NatsAuth =
  | { readonly user: string; readonly pass: string }
  | { readonly token: string }

/**
 * The credentials a server list (`NATS_URL`) carries, from its first entry that has some (`nats://user:pass@host`, or
 * `nats://token@host`), percent-decoded; none when no entry has any. The NATS client does not read them from the URLs
 * itself, so they are passed to it apart, with the servers stripped of them.
 */
export const natsAuthOf = (servers: string): NatsAuth | undefined => {
  for (const entry of servers.split(",")) {
    if (!URL.canParse(entry.trim())) continue
    const url = new URL(entry.trim())
    if (url.username === "") continue
    const user = decodeURIComponent(url.username)
    return url.password === "" ? { token: user } : { user, pass: decodeURIComponent(url.password) }
  }
  return undefined
}
