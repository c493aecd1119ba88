#include "protocol.h"

#include <string.h>

#include "value.h"

/* Longest transition: beyond this a "fade" is a mistake, not a look. */
#define MAX_TRANSITION_MS 10000
/* Longest alarm pop-up: a day; an alarm that must stay longer is a scene. */
#define MAX_ALARM_MS (24 * 3600 * 1000LL)
#define MAX_PRESET 999
#define MAX_AUDIT_ROWS 10000

G_DEFINE_QUARK(wall-protocol-error-quark, wall_protocol_error)

const char *const wall_protocol_help[] = {
	"PING",
	"HELP",
	"AUTH <token>",
	"SCENE <name> [TRANSITION cut|fade|wipe [<ms>]]",
	"PRESET <n> [TRANSITION cut|fade|wipe [<ms>]]",
	"PRESET SAVE <n> [name]",
	"PRESET DELETE <n>",
	"TILE <tile> SOURCE <source>",
	"TILE <tile> RESET",
	"TOUR <tile> START|STOP|PAUSE|RESUME|NEXT",
	"ALARM <source> [TILE <tile>] [FOR <s>] [PRIORITY <n>]",
	"ALARM CLEAR",
	"LIST SCENES|PRESETS|SOURCES|TILES",
	"STATUS",
	"SCREENSHOT <name.png>",
	"RELOAD",
	"BEGIN",
	"COMMIT",
	"ABORT",
	"SUBSCRIBE",
	"DATA <key> <json>",
	"DATA DELETE <key>",
	"AUDIT [rows]",
	NULL,
};

struct token {
	char *text;
	/* Offset of the token's first byte in the line, for "rest of line". */
	size_t start;
};

static bool fail(GError **error, int code, const char *format, ...) G_GNUC_PRINTF(3, 4);

static bool fail(GError **error, int code, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	char *message = g_strdup_vprintf(format, args);
	va_end(args);
	g_set_error_literal(error, WALL_PROTOCOL_ERROR, code, message);
	g_free(message);
	return false;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static bool tag_char(char c)
{
	return g_ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == ':';
}

static void token_free(void *data)
{
	struct token *token = data;
	g_free(token->text);
	g_free(token);
}

/* Split into words; a double-quoted word may hold spaces and escapes. */
static GPtrArray *tokenize(const char *line, size_t length, size_t from, guint max_tokens,
			   GError **error)
{
	GPtrArray *tokens = g_ptr_array_new_with_free_func(token_free);
	size_t i = from;
	while (i < length) {
		if (is_space(line[i])) {
			i++;
			continue;
		}
		if (tokens->len == max_tokens) {
			/* The rest of the line is one raw token (DATA's JSON). */
			struct token *rest = g_new0(struct token, 1);
			rest->start = i;
			rest->text = g_strndup(line + i, length - i);
			g_ptr_array_add(tokens, rest);
			break;
		}
		struct token *token = g_new0(struct token, 1);
		token->start = i;
		g_ptr_array_add(tokens, token);
		GString *word = g_string_new(NULL);
		if (line[i] == '"') {
			i++;
			bool closed = false;
			while (i < length) {
				char c = line[i++];
				if (c == '"') {
					closed = true;
					break;
				}
				if (c == '\\' && i < length) {
					c = line[i++];
				}
				g_string_append_c(word, c);
			}
			if (!closed || (i < length && !is_space(line[i]))) {
				g_string_free(word, TRUE);
				g_ptr_array_unref(tokens);
				fail(error, WALL_PROTOCOL_ERROR_SYNTAX,
				     closed ? "a closing quote must end its word"
					    : "a quote is not closed");
				return NULL;
			}
		} else {
			while (i < length && !is_space(line[i])) {
				g_string_append_c(word, line[i++]);
			}
		}
		token->text = g_string_free(word, FALSE);
	}
	return tokens;
}

static const char *word(GPtrArray *tokens, guint i)
{
	return i < tokens->len ? ((struct token *)tokens->pdata[i])->text : NULL;
}

static bool word_is(GPtrArray *tokens, guint i, const char *keyword)
{
	const char *w = word(tokens, i);
	return w != NULL && g_ascii_strcasecmp(w, keyword) == 0;
}

static bool parse_int(const char *text, int64_t min, int64_t max, int64_t *value)
{
	return text != NULL && g_ascii_string_to_signed(text, 10, min, max, value, NULL);
}

/*
 * A duration as layouts write it ("500ms", "1.5s", "2m", "1h"; see
 * value.h), at most max_ms; a bare number is in unit_ms.
 */
static bool parse_duration(const char *text, int64_t unit_ms, int64_t max_ms, int64_t *ms)
{
	int64_t value;
	if (!wall_parse_duration_in(text, unit_ms, &value) || value > max_ms) {
		return false;
	}
	*ms = value;
	return true;
}

static bool usage(GError **error, const char *help)
{
	return fail(error, WALL_PROTOCOL_ERROR_USAGE, "usage: %s", help);
}

static bool want_count(GPtrArray *tokens, guint count, GError **error, const char *help)
{
	return tokens->len == count || usage(error, help);
}

/* [TRANSITION cut|fade|wipe [<ms>]] from token i on, to the end. */
static bool parse_transition(GPtrArray *tokens, guint i, struct wall_command *command,
			     GError **error, const char *help)
{
	if (i == tokens->len) {
		return true;
	}
	if (!word_is(tokens, i, "TRANSITION") || i + 1 >= tokens->len || i + 3 < tokens->len) {
		return usage(error, help);
	}
	static const struct {
		const char *name;
		enum wall_transition_kind kind;
	} kinds[] = {{"cut", WALL_TRANSITION_CUT},
		     {"fade", WALL_TRANSITION_FADE},
		     {"wipe", WALL_TRANSITION_WIPE}};
	for (size_t k = 0; k < G_N_ELEMENTS(kinds); k++) {
		if (word_is(tokens, i + 1, kinds[k].name)) {
			command->transition = kinds[k].kind;
		}
	}
	if (command->transition == WALL_TRANSITION_INVALID) {
		return fail(error, WALL_PROTOCOL_ERROR_USAGE,
			    "transition must be cut, fade or wipe, not \"%s\"", word(tokens, i + 1));
	}
	if (i + 2 < tokens->len &&
	    !parse_duration(word(tokens, i + 2), 1, MAX_TRANSITION_MS, &command->duration_ms)) {
		return fail(error, WALL_PROTOCOL_ERROR_USAGE,
			    "transition length must be 0 to %d ms, not \"%s\"", MAX_TRANSITION_MS,
			    word(tokens, i + 2));
	}
	return true;
}

static bool parse_preset(GPtrArray *tokens, const char *line, size_t length,
			 struct wall_command *command, GError **error)
{
	static const char *const help = "PRESET <n> [TRANSITION cut|fade|wipe [<ms>]] | "
					"PRESET SAVE <n> [name] | PRESET DELETE <n>";
	int64_t n;
	guint at = 1;
	if (word_is(tokens, 1, "SAVE")) {
		command->kind = WALL_COMMAND_PRESET_SAVE;
		at = 2;
	} else if (word_is(tokens, 1, "DELETE")) {
		command->kind = WALL_COMMAND_PRESET_DELETE;
		at = 2;
	} else {
		command->kind = WALL_COMMAND_PRESET;
	}
	if (word(tokens, at) == NULL) {
		return usage(error, help);
	}
	if (!parse_int(word(tokens, at), 1, MAX_PRESET, &n)) {
		return fail(error, WALL_PROTOCOL_ERROR_USAGE,
			    "a preset is a number from 1 to %d, not \"%s\"", MAX_PRESET,
			    word(tokens, at));
	}
	command->number = (int)n;
	switch (command->kind) {
	case WALL_COMMAND_PRESET_SAVE:
		if (tokens->len > 3) {
			/* The rest of the line, so a name needs no quotes. */
			GString *name = g_string_new(NULL);
			for (guint i = 3; i < tokens->len; i++) {
				g_string_append_printf(name, "%s%s", i > 3 ? " " : "",
						       word(tokens, i));
			}
			command->text = g_string_free(name, FALSE);
		}
		return true;
	case WALL_COMMAND_PRESET_DELETE:
		return want_count(tokens, 3, error, help);
	default:
		return parse_transition(tokens, 2, command, error, help);
	}
}

static bool parse_tile(GPtrArray *tokens, struct wall_command *command, GError **error)
{
	static const char *const help = "TILE <tile> SOURCE <source> | TILE <tile> RESET";
	if (tokens->len == 4 && word_is(tokens, 2, "SOURCE")) {
		command->kind = WALL_COMMAND_TILE_SOURCE;
		command->name = g_strdup(word(tokens, 3));
	} else if (tokens->len == 3 && word_is(tokens, 2, "RESET")) {
		command->kind = WALL_COMMAND_TILE_RESET;
	} else {
		return usage(error, help);
	}
	command->tile = g_strdup(word(tokens, 1));
	return true;
}

static bool parse_tour(GPtrArray *tokens, struct wall_command *command, GError **error)
{
	static const char *const help = "TOUR <tile> START|STOP|PAUSE|RESUME|NEXT";
	static const struct {
		const char *name;
		enum wall_tour_action action;
	} actions[] = {{"START", WALL_TOUR_START},
		       {"STOP", WALL_TOUR_STOP},
		       {"PAUSE", WALL_TOUR_PAUSE},
		       {"RESUME", WALL_TOUR_RESUME},
		       {"NEXT", WALL_TOUR_NEXT}};
	if (tokens->len != 3) {
		return usage(error, help);
	}
	command->kind = WALL_COMMAND_TOUR;
	for (size_t i = 0; i < G_N_ELEMENTS(actions); i++) {
		if (word_is(tokens, 2, actions[i].name)) {
			command->tour = actions[i].action;
		}
	}
	if (command->tour == WALL_TOUR_INVALID) {
		return usage(error, help);
	}
	command->tile = g_strdup(word(tokens, 1));
	return true;
}

static bool parse_alarm(GPtrArray *tokens, struct wall_command *command, GError **error)
{
	static const char *const help =
		"ALARM <source> [TILE <tile>] [FOR <s>] [PRIORITY <n>] | ALARM CLEAR";
	if (tokens->len == 2 && word_is(tokens, 1, "CLEAR")) {
		command->kind = WALL_COMMAND_ALARM_CLEAR;
		return true;
	}
	if (tokens->len < 2 || tokens->len % 2 != 0) {
		return usage(error, help);
	}
	command->kind = WALL_COMMAND_ALARM;
	command->name = g_strdup(word(tokens, 1));
	for (guint i = 2; i < tokens->len; i += 2) {
		const char *value = word(tokens, i + 1);
		int64_t n;
		if (word_is(tokens, i, "TILE") && command->tile == NULL) {
			command->tile = g_strdup(value);
		} else if (word_is(tokens, i, "FOR") && command->for_ms == 0) {
			if (!parse_duration(value, 1000, MAX_ALARM_MS, &command->for_ms) ||
			    command->for_ms == 0) {
				return fail(error, WALL_PROTOCOL_ERROR_USAGE,
					    "FOR takes seconds (1 to 86400) or a time like "
					    "90s or 5m, not \"%s\"",
					    value);
			}
		} else if (word_is(tokens, i, "PRIORITY") && parse_int(value, -1000, 1000, &n)) {
			command->priority = (int)n;
		} else {
			return usage(error, help);
		}
	}
	return true;
}

static bool parse_list(GPtrArray *tokens, struct wall_command *command, GError **error)
{
	static const char *const help = "LIST SCENES|PRESETS|SOURCES|TILES";
	static const struct {
		const char *name;
		enum wall_list_kind kind;
	} kinds[] = {{"SCENES", WALL_LIST_SCENES},
		     {"PRESETS", WALL_LIST_PRESETS},
		     {"SOURCES", WALL_LIST_SOURCES},
		     {"TILES", WALL_LIST_TILES}};
	if (tokens->len != 2) {
		return usage(error, help);
	}
	command->kind = WALL_COMMAND_LIST;
	for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++) {
		if (word_is(tokens, 1, kinds[i].name)) {
			command->list = kinds[i].kind;
		}
	}
	return command->list != WALL_LIST_INVALID || usage(error, help);
}

static bool data_key_ok(const char *key, GError **error)
{
	for (const char *p = key; *p != '\0'; p++) {
		if (!g_ascii_isalnum(*p) && strchr("-_.:/", *p) == NULL) {
			return fail(error, WALL_PROTOCOL_ERROR_USAGE,
				    "a data key holds letters, digits and - _ . : / only");
		}
	}
	return true;
}

static bool parse_data(GPtrArray *tokens, const char *line, size_t length,
		       struct wall_command *command, GError **error)
{
	if (word_is(tokens, 1, "DELETE")) {
		/* "DELETE" is the verb, never a key: "DATA delete 5" deletes key "5". */
		if (tokens->len != 3) {
			return usage(error, "DATA DELETE <key>");
		}
		command->kind = WALL_COMMAND_DATA_DELETE;
		/* The key is the raw rest of the line, as a JSON would be. */
		command->name = g_strchomp(g_strdup(word(tokens, 2)));
		return data_key_ok(command->name, error);
	}
	if (tokens->len != 3) {
		return usage(error, "DATA <key> <json>");
	}
	const char *key = word(tokens, 1);
	if (!data_key_ok(key, error)) {
		return false;
	}
	command->kind = WALL_COMMAND_DATA;
	command->name = g_strdup(key);
	/* The JSON is the raw rest of the line: its quotes are its own. */
	size_t start = ((struct token *)tokens->pdata[2])->start;
	size_t end = length;
	while (end > start && is_space(line[end - 1])) {
		end--;
	}
	command->text = g_strndup(line + start, end - start);
	return true;
}

/* Commands that take no arguments at all. */
static const struct {
	const char *name;
	enum wall_command_kind kind;
} bare[] = {
	{"PING", WALL_COMMAND_PING},	       {"HELP", WALL_COMMAND_HELP},
	{"STATUS", WALL_COMMAND_STATUS},       {"RELOAD", WALL_COMMAND_RELOAD},
	{"BEGIN", WALL_COMMAND_BEGIN},	       {"COMMIT", WALL_COMMAND_COMMIT},
	{"ABORT", WALL_COMMAND_ABORT},	       {"SUBSCRIBE", WALL_COMMAND_SUBSCRIBE},
};

static bool parse_words(GPtrArray *tokens, const char *line, size_t length,
			struct wall_command *command, GError **error)
{
	const char *name = word(tokens, 0);
	for (size_t i = 0; i < G_N_ELEMENTS(bare); i++) {
		if (g_ascii_strcasecmp(name, bare[i].name) == 0) {
			command->kind = bare[i].kind;
			return tokens->len == 1 ||
			       fail(error, WALL_PROTOCOL_ERROR_USAGE, "%s takes no arguments",
				    bare[i].name);
		}
	}
	if (g_ascii_strcasecmp(name, "AUTH") == 0) {
		command->kind = WALL_COMMAND_AUTH;
		if (!want_count(tokens, 2, error, "AUTH <token>")) {
			return false;
		}
		command->name = g_strdup(word(tokens, 1));
		return true;
	}
	if (g_ascii_strcasecmp(name, "SCENE") == 0) {
		static const char *const help = "SCENE <name> [TRANSITION cut|fade|wipe [<ms>]]";
		command->kind = WALL_COMMAND_SCENE;
		if (tokens->len < 2) {
			return usage(error, help);
		}
		command->name = g_strdup(word(tokens, 1));
		return parse_transition(tokens, 2, command, error, help);
	}
	if (g_ascii_strcasecmp(name, "PRESET") == 0) {
		return parse_preset(tokens, line, length, command, error);
	}
	if (g_ascii_strcasecmp(name, "TILE") == 0) {
		return parse_tile(tokens, command, error);
	}
	if (g_ascii_strcasecmp(name, "TOUR") == 0) {
		return parse_tour(tokens, command, error);
	}
	if (g_ascii_strcasecmp(name, "ALARM") == 0) {
		return parse_alarm(tokens, command, error);
	}
	if (g_ascii_strcasecmp(name, "LIST") == 0) {
		return parse_list(tokens, command, error);
	}
	if (g_ascii_strcasecmp(name, "SCREENSHOT") == 0) {
		command->kind = WALL_COMMAND_SCREENSHOT;
		if (!want_count(tokens, 2, error, "SCREENSHOT <name.png>")) {
			return false;
		}
		command->name = g_strdup(word(tokens, 1));
		return true;
	}
	if (g_ascii_strcasecmp(name, "DATA") == 0) {
		return parse_data(tokens, line, length, command, error);
	}
	if (g_ascii_strcasecmp(name, "AUDIT") == 0) {
		int64_t rows = 20;
		command->kind = WALL_COMMAND_AUDIT;
		if (tokens->len > 2 ||
		    (tokens->len == 2 && !parse_int(word(tokens, 1), 1, MAX_AUDIT_ROWS, &rows))) {
			return usage(error, "AUDIT [rows]");
		}
		command->number = (int)rows;
		return true;
	}
	/* Quote it back safely: the name may hold anything printable, and a
	 * cut at 40 characters (not bytes) never halves one. */
	char *shown = g_utf8_substring(name, 0, MIN(g_utf8_strlen(name, -1), 40));
	fail(error, WALL_PROTOCOL_ERROR_UNKNOWN, "unknown command \"%s\"; try HELP", shown);
	g_free(shown);
	return false;
}

bool wall_protocol_parse(const char *line, size_t length, struct wall_command *command,
			 GError **error)
{
	*command = (struct wall_command){0};
	if (length > WALL_PROTOCOL_MAX_LINE) {
		return fail(error, WALL_PROTOCOL_ERROR_TOO_LONG, "a line may hold at most %d bytes",
			    WALL_PROTOCOL_MAX_LINE);
	}
	if (length > 0 && line[length - 1] == '\r') {
		length--;
	}
	if (!g_utf8_validate_len(line, length, NULL)) {
		return fail(error, WALL_PROTOCOL_ERROR_SYNTAX, "a line must be UTF-8 text");
	}
	for (size_t i = 0; i < length; i++) {
		unsigned char c = (unsigned char)line[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			return fail(error, WALL_PROTOCOL_ERROR_SYNTAX,
				    "control character 0x%02x at byte %zu", c, i + 1);
		}
	}
	size_t at = 0;
	while (at < length && is_space(line[at])) {
		at++;
	}
	if (at < length && line[at] == '#') {
		size_t end = at + 1;
		while (end < length && tag_char(line[end])) {
			end++;
		}
		size_t tag_length = end - at - 1;
		if (tag_length == 0 || tag_length > WALL_PROTOCOL_MAX_TAG ||
		    (end < length && !is_space(line[end])) || end == length) {
			return fail(error, WALL_PROTOCOL_ERROR_SYNTAX,
				    "a tag is #<id> then a space: up to %d letters, digits "
				    "and - _ . :",
				    WALL_PROTOCOL_MAX_TAG);
		}
		command->tag = g_strndup(line + at + 1, tag_length);
		at = end;
	}
	/* DATA's JSON keeps its own quotes: split off only the first two words. */
	size_t word_end = at;
	while (word_end < length && !is_space(line[word_end])) {
		word_end++;
	}
	bool data = word_end - at == 4 && g_ascii_strncasecmp(line + at, "DATA", 4) == 0;
	GPtrArray *tokens = tokenize(line, length, at, data ? 2 : G_MAXUINT, error);
	if (tokens == NULL) {
		return false;
	}
	bool ok = true;
	if (tokens->len == 0) {
		ok = command->tag == NULL ||
		     fail(error, WALL_PROTOCOL_ERROR_SYNTAX, "a tag needs a command after it");
	} else {
		ok = parse_words(tokens, line, length, command, error);
	}
	g_ptr_array_unref(tokens);
	if (!ok) {
		/* Keep only the tag: the caller answers ERR with it. */
		char *tag = command->tag;
		command->tag = NULL;
		wall_command_clear(command);
		command->tag = tag;
	}
	return ok;
}

void wall_command_clear(struct wall_command *command)
{
	g_free(command->tag);
	g_free(command->name);
	g_free(command->tile);
	g_free(command->text);
	*command = (struct wall_command){0};
}

const char *wall_protocol_error_word(int code)
{
	switch (code) {
	case WALL_PROTOCOL_ERROR_SYNTAX:
		return "syntax";
	case WALL_PROTOCOL_ERROR_UNKNOWN:
		return "unknown";
	case WALL_PROTOCOL_ERROR_USAGE:
		return "usage";
	case WALL_PROTOCOL_ERROR_TOO_LONG:
		return "too-long";
	default:
		return "internal";
	}
}

bool wall_command_changes_wall(enum wall_command_kind kind)
{
	switch (kind) {
	case WALL_COMMAND_SCENE:
	case WALL_COMMAND_PRESET:
	case WALL_COMMAND_PRESET_SAVE:
	case WALL_COMMAND_PRESET_DELETE:
	case WALL_COMMAND_TILE_SOURCE:
	case WALL_COMMAND_TILE_RESET:
	case WALL_COMMAND_TOUR:
	case WALL_COMMAND_ALARM:
	case WALL_COMMAND_ALARM_CLEAR:
	case WALL_COMMAND_RELOAD:
		return true;
	default:
		return false;
	}
}

bool wall_command_needs_frame(enum wall_command_kind kind)
{
	switch (kind) {
	case WALL_COMMAND_LIST:
	case WALL_COMMAND_STATUS:
	case WALL_COMMAND_SCREENSHOT:
		return true;
	default:
		return wall_command_changes_wall(kind);
	}
}

char *wall_protocol_quote(const char *text)
{
	bool plain = text[0] != '\0' && text[0] != '#';
	for (const char *p = text; *p != '\0' && plain; p++) {
		plain = !is_space(*p) && *p != '"' && *p != '\\';
	}
	if (plain) {
		return g_strdup(text);
	}
	GString *quoted = g_string_new("\"");
	for (const char *p = text; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\') {
			g_string_append_c(quoted, '\\');
		}
		g_string_append_c(quoted, *p);
	}
	g_string_append_c(quoted, '"');
	return g_string_free(quoted, FALSE);
}
