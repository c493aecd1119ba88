/*
 * What passes between the control thread and the render thread: requests
 * one way, answers and follow-up work the other. Internal to wall/control.
 *
 * Every way into the wall makes the same request: a socket line, a key
 * of the wall's own keyboard or remote, a changed layout file (and later
 * a web request). It says who asked (the peer), what was typed, and the
 * parsed commands; the answer is filled in where the commands run.
 */
#ifndef WALL_CONTROL_REQUEST_H
#define WALL_CONTROL_REQUEST_H

#include <cairo.h>
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "layout.h"
#include "protocol.h"

struct wall_connection;

/** Work left for the control thread once a frame is drawn. */
enum wall_followup_kind {
	WALL_FOLLOWUP_INVALID = 0,
	/** Of a request: write picture (the canvas as drawn) to text, a PNG path. */
	WALL_FOLLOWUP_SCREENSHOT,
	/** Of a request: save preset number, called text, as the wall state json. */
	WALL_FOLLOWUP_SAVE_PRESET,
	/** Of a request: forget saved preset number. */
	WALL_FOLLOWUP_DELETE_PRESET,
	/** Of a frame: json is the wall state to come back to after a restart. */
	WALL_FOLLOWUP_SAVE_STATE,
	/** Of a frame: run request's follow-ups, audit it and answer whoever asked. */
	WALL_FOLLOWUP_ANSWER,
	/** Of a frame: send json to the subscribers as an EVENT. */
	WALL_FOLLOWUP_EVENT,
	/** Of a frame: picture is the canvas as drawn, for the web remote's miniature. */
	WALL_FOLLOWUP_MINIATURE,
};

struct wall_followup {
	enum wall_followup_kind kind;
	int number;
	char *text;
	char *json;
	cairo_surface_t *picture;
	/** ANSWER: owned. */
	struct wall_request *request;
};

void wall_followup_free(struct wall_followup *followup);

struct wall_request {
	/* What was asked; set where the request is made. */
	/** Who asked: "uid:1000 pid:42", "tcp:10.0.0.5:51022", "keyboard", "input:<device>",
	 * "file". */
	char *peer;
	/** The request as typed, for the audit log (a batch: its lines, then COMMIT). */
	char *text;
	/** The tag of the line to answer (COMMIT's for a batch), or NULL. */
	char *tag;
	struct wall_command *commands;
	guint count;
	/** The connection to answer, with a reference held; NULL when nobody waits. */
	struct wall_connection *conn;
	/**
	 * Answered through reply instead of a connection (a web page), on the
	 * control thread, when set; reply_data is freed with reply_data_free.
	 */
	void (*reply)(void *reply_data, const struct wall_request *request);
	void *reply_data;
	GDestroyNotify reply_data_free;
	/** RELOAD: the new layout, loaded and checked on the control thread. */
	struct wall_layout *layout;

	/* The answer; filled where the commands run. */
	bool ok;
	/** OK: the JSON object text. ERR: the code word and message. */
	char *json;
	char *err_code;
	char *err_message;
	/** The frame the change landed on; 0 when none. */
	uint64_t frame;
	/** struct wall_followup *: what must happen before the answer goes out. */
	GPtrArray *followups;
};

/**
 * A request from peer, text as typed, with its tag and parsed commands
 * (commands is taken, count of them). conn, when given, is referenced.
 */
struct wall_request *wall_request_new(const char *peer, const char *text, const char *tag,
                                      struct wall_command *commands, guint count,
                                      struct wall_connection *conn);
/**
 * Parse line and make a request of it from peer, with no connection.
 * NULL with error set when the line is not a command.
 */
struct wall_request *wall_request_parse(const char *line, const char *peer, GError **error);
/**
 * Parse text, one line or a batch's lines joined by "; " or newlines (BEGIN
 * and COMMIT are left out),
 * into one request from peer, with no connection. NULL with error set when
 * a line is not a command or there is none.
 */
struct wall_request *wall_request_parse_lines(const char *text, const char *peer, GError **error);
/** Accepts NULL. Any thread: drops the connection's reference. */
void wall_request_free(struct wall_request *request);

/** Answer OK with json (copied). */
void wall_request_succeed(struct wall_request *request, const char *json);
/** Answer ERR code message. Always returns false, so a command can return it. */
bool wall_request_fail(struct wall_request *request, const char *code, const char *format, ...)
        G_GNUC_PRINTF(3, 4);
/** Add follow-up work of kind to run before the answer goes out; fill in what it needs. */
struct wall_followup *wall_request_follow_up(struct wall_request *request,
                                             enum wall_followup_kind kind);
/** True when one of its commands changes what the wall shows, or writes a file: it is audited. */
bool wall_request_audited(const struct wall_request *request);
/** "OK", or "ERR code message", for the audit log. g_free the result. */
char *wall_request_result(const struct wall_request *request);

/** Everything the render thread has for the control thread after one frame. */
struct wall_frame_report {
	uint64_t frame;
	/** struct wall_followup * of a frame's kinds, to run in order. */
	GPtrArray *work;
};

struct wall_frame_report *wall_frame_report_new(uint64_t frame);
/** Add a follow-up of kind to the report; fill in what it needs. */
struct wall_followup *wall_frame_report_add(struct wall_frame_report *report,
                                            enum wall_followup_kind kind);
void wall_frame_report_free(struct wall_frame_report *report);

#endif
