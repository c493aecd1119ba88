/*
 * Every limit of the control plane in one place, so one client cannot
 * starve the others and a reader sees at once what a client may do.
 * README's "Control limits" table lists them with what a client sees
 * past each; counters.h counts every hit for STATUS.
 */
#ifndef WALL_CONTROL_LIMITS_H
#define WALL_CONTROL_LIMITS_H

/** Open connections, Unix and TCP together; the listen backlog too. */
#define WALL_CONTROL_MAX_CONNECTIONS 256
/** Of those, kept for the Unix socket: TCP clients never take the last ones. */
#define WALL_CONTROL_UNIX_RESERVED 32
/** TCP connections that have not sent the right token yet. */
#define WALL_CONTROL_MAX_UNAUTHENTICATED 32
/** Seconds a connection that needs AUTH may stay open without it, unless --auth-timeout. */
#define WALL_CONTROL_DEFAULT_AUTH_TIMEOUT_S 10
/** Requests of one connection waiting for a frame; past this it is not read. */
#define WALL_CONTROL_MAX_IN_FLIGHT 64
/** Commands in one BEGIN ... COMMIT batch. */
#define WALL_CONTROL_MAX_BATCH 64
/** Bytes of replies and events a slow client has not taken yet. */
#define WALL_CONTROL_MAX_OUTPUT (1024 * 1024)
/** Failed requests in a row before the connection is dropped. */
#define WALL_CONTROL_MAX_ERRORS_IN_A_ROW 32
/** Wrong tokens before the connection is dropped. */
#define WALL_CONTROL_MAX_AUTH_FAILURES 3
/** Wrong tokens an address may send before it has to wait between tries. */
#define WALL_CONTROL_AUTH_FREE_FAILURES 3
/** The first wait, doubled at each further wrong token, up to the longest. */
#define WALL_CONTROL_AUTH_BACKOFF_FIRST_S 2
#define WALL_CONTROL_AUTH_BACKOFF_MAX_S 60
/** An address forgiven after this long without a wrong token. */
#define WALL_CONTROL_AUTH_FORGET_S 600
/** Addresses remembered for the backoff; past it the quietest is forgotten. */
#define WALL_CONTROL_AUTH_MAX_ADDRESSES 4096
/** At most one log line about wrong tokens this often; the rest are counted into it. */
#define WALL_CONTROL_AUTH_LOG_EVERY_S 10
/** Seconds a silent connection may stay open, unless the options say otherwise. */
#define WALL_CONTROL_DEFAULT_IDLE_S 600
/** Bytes of an audited command (and of its result) kept in the audit log. */
#define WALL_CONTROL_MAX_AUDIT_TEXT 1024
/** Rows one AUDIT reply may ask for. */
#define WALL_CONTROL_MAX_AUDIT_ROWS 1000
/** An AUDIT reply is read from the state file this many rows at a time. */
#define WALL_CONTROL_AUDIT_PAGE_ROWS 50
/** A streamed reply is continued once less than this is waiting to go out. */
#define WALL_CONTROL_STREAM_LOW_WATER (64 * 1024)
/** Bytes of an error reply's message; longer ones are cut at a character. */
#define WALL_CONTROL_MAX_ERROR_TEXT 2048
/** Bytes of a screenshot's file name. */
#define WALL_CONTROL_MAX_SCREENSHOT_NAME 255
/** Editors save in several steps: wait this long for the layout file to settle. */
#define WALL_CONTROL_RELOAD_SETTLE_MS 300
/** Bytes read from a connection at a time. */
#define WALL_CONTROL_READ_CHUNK 16384

#endif
