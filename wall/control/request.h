/*
 * What passes between the control thread and the render thread: requests
 * one way, replies and events the other. Internal to wall/control.
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

/**
 * One request line, or a BEGIN ... COMMIT batch, on its way to the render
 * thread and back. The control thread fills the top part; the render
 * thread fills the answer and hands it back, never touching conn.
 */
struct wall_request {
	/* Control thread side. */
	struct wall_command *commands;
	guint count;
	/** The request as typed, for the audit log. */
	char *text;
	/** Who asked: "uid:1000", "tcp:10.0.0.5:51022", "input:<device>", "keyboard", "file". */
	char *peer;
	/** The tag of the line to answer (COMMIT's for a batch), or NULL. */
	char *tag;
	/** Reference held while in flight; NULL for requests with nobody to answer. */
	struct wall_connection *conn;
	/** RELOAD: the new layout, loaded by the control thread. */
	struct wall_layout *layout;

	/* The answer. */
	bool ok;
	/** OK: the JSON object text. ERR: the code word and message. */
	char *json;
	char *err_code;
	char *err_message;
	/** The frame the change landed on; 0 when none. */
	uint64_t frame;
	/** Work for the control thread once the frame is done. */
	cairo_surface_t *screenshot;
	char *screenshot_path;
	int save_preset;
	char *save_preset_name;
	char *save_preset_json;
	int delete_preset;
};

void wall_request_free(struct wall_request *request);

/** Drop a reference to a connection; any thread. Defined in server.c. */
void wall_connection_unref(struct wall_connection *conn);

/** Everything the render thread has for the control thread after one frame. */
struct wall_frame_report {
	uint64_t frame;
	/** struct wall_request *, answered. */
	GPtrArray *replies;
	/** EVENT JSON texts, for subscribers. */
	GPtrArray *events;
	/** The wall state to come back to after a restart, when it changed. */
	char *last_state;
};

void wall_frame_report_free(struct wall_frame_report *report);

#endif
