/*
 * One client connection of the control thread: its state in one place
 * (who it is, what it may do, what it has in flight, its open batch, its
 * buffers), and line I/O under the limits of limits.h. Whole lines go to
 * its handler; answers come back through the reply calls.
 * Everything here runs on the control thread, except the reference count.
 */
#ifndef WALL_CONTROL_CONNECTION_H
#define WALL_CONTROL_CONNECTION_H

#include <gio/gio.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wall_connection;
struct wall_control_counters;

/**
 * A reply too big to hold at once: append the next piece of its one line
 * (no "\n") to out; return false once it is whole. Called as the client
 * takes what went before, so it is never all in memory.
 */
typedef bool (*wall_connection_fill_fn)(void *data, GString *out);

/** What a connection tells its owner; both run on the control thread. */
struct wall_connection_handler {
	/** A whole line came in (without its "\n"); it may hold any bytes. */
	void (*line)(void *user, struct wall_connection *c, const char *line, size_t length);
	/** It closed; the owner drops its reference. */
	void (*closed)(void *user, struct wall_connection *c);
};

struct wall_connection {
	gatomicrefcount refs;
	const struct wall_connection_handler *handler;
	void *user;
	GSocketConnection *conn;
	GPollableInputStream *in;
	GPollableOutputStream *out;
	GSource *read_source;
	GSource *write_source;
	GMainContext *context;
	GString *inbuf;
	GString *outbuf;
	/** Who it is, as audited: "uid:1000 pid:42", "tcp:10.0.0.5:51022". */
	char *peer;
	/** TCP: the peer's address without its port ("10.0.0.5"); NULL on the Unix socket. */
	char *address;
	struct wall_control_counters *counters;
	int64_t opened_us;
	bool needs_auth;
	bool authed;
	int auth_failures;
	bool subscribed;
	bool closed;
	/** Send what is queued, then close. */
	bool closing;
	/** The client has sent all it will (it half-closed): answer what it asked, then close. */
	bool eof;
	/** A streamed reply being written, and the lines that wait until it is whole. */
	wall_connection_fill_fn fill;
	void *fill_data;
	GDestroyNotify fill_free;
	GString *held;
	/** Requests waiting for a frame. */
	guint in_flight;
	int errors_in_a_row;
	int64_t last_activity_us;
	/** BEGIN ... COMMIT: the commands so far (struct wall_command) and their lines. */
	bool in_batch;
	GArray *batch;
	GString *batch_text;
};

/** A connection accepted on conn, read from now on; the caller holds the reference returned. */
struct wall_connection *wall_connection_new(GSocketConnection *conn, GMainContext *context,
                                            const struct wall_connection_handler *handler,
                                            void *user, bool needs_auth,
                                            struct wall_control_counters *counters);
struct wall_connection *wall_connection_ref(struct wall_connection *c);
/** Any thread. */
void wall_connection_unref(struct wall_connection *c);
/** Close at once: stop reading and writing, and tell the server. */
void wall_connection_close(struct wall_connection *c);
/** Send last_line after what is queued, then close. */
void wall_connection_close_after(struct wall_connection *c, const char *last_line);

/** One line, "\n" added; a client too slow to take its output is closed. */
void wall_connection_send_line(struct wall_connection *c, const char *line);
/** "OK <json>", tagged when tag is set. */
void wall_connection_reply_ok(struct wall_connection *c, const char *tag, const char *json);
/** "ERR <code> <message>", tagged when tag is set; too many in a row close it. */
void wall_connection_reply_err(struct wall_connection *c, const char *tag, const char *code,
                               const char *message);
/**
 * Send one long reply line piece by piece as the client reads it: fill
 * writes it (see wall_connection_fill_fn), free_data frees data after.
 * Lines sent meanwhile go out after it.
 */
void wall_connection_stream(struct wall_connection *c, wall_connection_fill_fn fill, void *data,
                            GDestroyNotify free_data);
/** True when its client can send commands: it needs no token, or sent it. */
bool wall_connection_trusted(const struct wall_connection *c);
/** Take the whole lines read so far, as far as the in-flight limit lets. */
void wall_connection_read_lines(struct wall_connection *c);

#endif
