/*
 * The control protocol's grammar: one request line in, one parsed command
 * out. A pure function with no state and no I/O, so a fuzzer can drive it
 * and both the server and wallctl share one definition of the language.
 *
 * A line is UTF-8 text: an optional tag "#<id> ", a command word and its
 * arguments, separated by spaces or tabs. Command words and keywords are
 * case-insensitive (operators type "preset 3" as often as "PRESET 3");
 * names of scenes, tiles and sources are not. A name with spaces goes in
 * double quotes, with \" and \\ as escapes.
 */
#ifndef WALL_CONTROL_PROTOCOL_H
#define WALL_CONTROL_PROTOCOL_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tour.h"
#include "transition.h"

/** Longest request line a server accepts, newline excluded. */
#define WALL_PROTOCOL_MAX_LINE 65536
/** Longest tag, without the '#'. */
#define WALL_PROTOCOL_MAX_TAG 64

enum wall_command_kind {
	WALL_COMMAND_INVALID = 0,
	WALL_COMMAND_PING,
	WALL_COMMAND_HELP,
	WALL_COMMAND_AUTH,
	WALL_COMMAND_SCENE,
	WALL_COMMAND_PRESET,
	WALL_COMMAND_PRESET_SAVE,
	WALL_COMMAND_PRESET_DELETE,
	WALL_COMMAND_TILE_SOURCE,
	WALL_COMMAND_TILE_RESET,
	WALL_COMMAND_TOUR,
	WALL_COMMAND_ALARM,
	WALL_COMMAND_ALARM_CLEAR,
	WALL_COMMAND_LIST,
	WALL_COMMAND_STATUS,
	WALL_COMMAND_SCREENSHOT,
	WALL_COMMAND_RELOAD,
	WALL_COMMAND_BEGIN,
	WALL_COMMAND_COMMIT,
	WALL_COMMAND_ABORT,
	WALL_COMMAND_SUBSCRIBE,
	WALL_COMMAND_DATA,
	WALL_COMMAND_DATA_DELETE,
	WALL_COMMAND_AUDIT,
};

enum wall_list_kind {
	WALL_LIST_INVALID = 0,
	WALL_LIST_SCENES,
	WALL_LIST_PRESETS,
	WALL_LIST_SOURCES,
	WALL_LIST_TILES,
};

/** A parsed request. Strings are owned: wall_command_clear() frees them. */
struct wall_command {
	enum wall_command_kind kind;
	/** The request's tag without '#', or NULL. */
	char *tag;
	/**
	 * The main name: scene (SCENE), source (TILE, ALARM), path
	 * (SCREENSHOT), token (AUTH), key (DATA, DATA DELETE).
	 */
	char *name;
	/** Tile id (TILE, TOUR, ALARM ... TILE). */
	char *tile;
	/** Free text: a preset's name (PRESET SAVE), JSON (DATA). */
	char *text;
	/** Preset number (PRESET*), row count (AUDIT). */
	int number;
	enum wall_transition_kind transition;
	/** Transition length; 0 with WALL_TRANSITION_INVALID means "none given". */
	int64_t duration_ms;
	enum wall_tour_action tour;
	enum wall_list_kind list;
	/** ALARM: how long the pop-up stays; 0 means the default. */
	int64_t for_ms;
	/** ALARM: higher goes first; default 0. */
	int priority;
};

/** Domain of wall_protocol_parse()'s errors; the code names the ERR word. */
#define WALL_PROTOCOL_ERROR (wall_protocol_error_quark())
GQuark wall_protocol_error_quark(void);

enum wall_protocol_error_code {
	WALL_PROTOCOL_ERROR_INVALID = 0,
	/** Not UTF-8, control characters, a bad tag or quotes: "syntax". */
	WALL_PROTOCOL_ERROR_SYNTAX,
	/** No such command: "unknown". */
	WALL_PROTOCOL_ERROR_UNKNOWN,
	/** A known command with missing or wrong arguments: "usage". */
	WALL_PROTOCOL_ERROR_USAGE,
	/** Longer than WALL_PROTOCOL_MAX_LINE: "too-long". */
	WALL_PROTOCOL_ERROR_TOO_LONG,
};

/**
 * Parse one line (without its "\n"; a trailing "\r" is dropped). line
 * need not be NUL-terminated and may hold any bytes. On success fills
 * command and returns true. On failure returns false with error set, and
 * still sets command->tag when the line had a valid tag, so the ERR reply
 * can carry it. Either way the caller calls wall_command_clear(). An
 * empty line parses as WALL_COMMAND_INVALID with no error: servers ignore
 * it, as telnet users press Enter.
 */
bool wall_protocol_parse(const char *line, size_t length, struct wall_command *command,
			 GError **error);
void wall_command_clear(struct wall_command *command);

/** The ERR word for a protocol error code: "syntax", "unknown", ... */
const char *wall_protocol_error_word(int code);

/** True for commands that change what the wall shows (audited). */
bool wall_command_changes_wall(enum wall_command_kind kind);
/** True for commands the render thread runs; the others run on the control thread. */
bool wall_command_needs_frame(enum wall_command_kind kind);

/** One line per command, for HELP and wallctl --help. NULL-terminated. */
extern const char *const wall_protocol_help[];

/**
 * Quote word for a request line when it needs quoting (spaces, quotes,
 * empty). g_free the result.
 */
char *wall_protocol_quote(const char *word);

#endif
