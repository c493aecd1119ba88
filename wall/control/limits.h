/*
 * Every limit of the control plane in one place, so one client cannot
 * starve the others and a reader sees at once what a client may do.
 */
#ifndef WALL_CONTROL_LIMITS_H
#define WALL_CONTROL_LIMITS_H

/** Open connections, Unix and TCP together; the listen backlog too. */
#define WALL_CONTROL_MAX_CONNECTIONS 256
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
/** Seconds a silent connection may stay open, unless --idle says otherwise. */
#define WALL_CONTROL_DEFAULT_IDLE_S 600
/** Editors save in several steps: wait this long for the layout file to settle. */
#define WALL_CONTROL_RELOAD_SETTLE_MS 300
/** Bytes read from a connection at a time. */
#define WALL_CONTROL_READ_CHUNK 16384

#endif
