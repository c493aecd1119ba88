/* The control protocol's parser, as a pure function. */
#include <glib.h>
#include <string.h>

#include "control/protocol.h"
#include "value.h"

static bool parse(const char *line, struct wall_command *command, int *code)
{
	GError *error = NULL;
	bool ok = wall_protocol_parse(line, strlen(line), command, &error);
	*code = error != NULL ? error->code : 0;
	g_clear_error(&error);
	return ok;
}

static void test_commands(void)
{
	struct wall_command c;
	int code;
	g_assert_true(parse("#x-1 scene \"茂名 全景\" TRANSITION fade 400ms", &c, &code));
	g_assert_cmpint(c.kind, ==, WALL_COMMAND_SCENE);
	g_assert_cmpstr(c.tag, ==, "x-1");
	g_assert_cmpstr(c.name, ==, "茂名 全景");
	g_assert_cmpint(c.transition, ==, WALL_TRANSITION_FADE);
	g_assert_cmpint(c.duration_ms, ==, 400);
	wall_command_clear(&c);

	g_assert_true(parse("PRESET SAVE 12 night shift\r", &c, &code));
	g_assert_cmpint(c.kind, ==, WALL_COMMAND_PRESET_SAVE);
	g_assert_cmpint(c.number, ==, 12);
	g_assert_cmpstr(c.text, ==, "night shift");
	wall_command_clear(&c);

	g_assert_true(parse("ALARM cam-7 TILE main FOR 90s PRIORITY 3", &c, &code));
	g_assert_cmpint(c.kind, ==, WALL_COMMAND_ALARM);
	g_assert_cmpstr(c.name, ==, "cam-7");
	g_assert_cmpstr(c.tile, ==, "main");
	g_assert_cmpint(c.for_ms, ==, 90000);
	g_assert_cmpint(c.priority, ==, 3);
	wall_command_clear(&c);

	g_assert_true(parse("DATA a.b {\"x\": \"y z\"}  ", &c, &code));
	g_assert_cmpstr(c.text, ==, "{\"x\": \"y z\"}");
	wall_command_clear(&c);

	/* DELETE is DATA's verb, in any case, never a key. */
	g_assert_true(parse("data Delete district.rank ", &c, &code));
	g_assert_cmpint(c.kind, ==, WALL_COMMAND_DATA_DELETE);
	g_assert_cmpstr(c.name, ==, "district.rank");
	g_assert_null(c.text);
	wall_command_clear(&c);

	g_assert_true(parse("tour t3 resume", &c, &code));
	g_assert_cmpint(c.tour, ==, WALL_TOUR_RESUME);
	wall_command_clear(&c);

	g_assert_true(parse("   ", &c, &code));
	g_assert_cmpint(c.kind, ==, WALL_COMMAND_INVALID);
	wall_command_clear(&c);
}

static void test_errors(void)
{
	static const struct {
		const char *line;
		int code;
	} cases[] = {
		{"FOO", WALL_PROTOCOL_ERROR_UNKNOWN},
		{"SCENE", WALL_PROTOCOL_ERROR_USAGE},
		{"SCENE a TRANSITION", WALL_PROTOCOL_ERROR_USAGE},
		{"SCENE a TRANSITION fade 10h", WALL_PROTOCOL_ERROR_USAGE},
		{"PRESET 1000", WALL_PROTOCOL_ERROR_USAGE},
		{"PRESET DELETE", WALL_PROTOCOL_ERROR_USAGE},
		{"TILE a", WALL_PROTOCOL_ERROR_USAGE},
		{"ALARM a FOR", WALL_PROTOCOL_ERROR_USAGE},
		{"ALARM a FOR 0", WALL_PROTOCOL_ERROR_USAGE},
		{"LIST", WALL_PROTOCOL_ERROR_USAGE},
		{"DATA k", WALL_PROTOCOL_ERROR_USAGE},
		{"DATA k;rm {}", WALL_PROTOCOL_ERROR_USAGE},
		{"DATA DELETE", WALL_PROTOCOL_ERROR_USAGE},
		{"DATA DELETE k {}", WALL_PROTOCOL_ERROR_USAGE},
		{"DATA DELETE k;rm", WALL_PROTOCOL_ERROR_USAGE},
		{"DATA DELETE {}", WALL_PROTOCOL_ERROR_USAGE},
		{"SCENE \"a", WALL_PROTOCOL_ERROR_SYNTAX},
		{"SCENE \"a\"b", WALL_PROTOCOL_ERROR_SYNTAX},
		{"#", WALL_PROTOCOL_ERROR_SYNTAX},
		{"#id", WALL_PROTOCOL_ERROR_SYNTAX},
		{"#a/b PING", WALL_PROTOCOL_ERROR_SYNTAX},
		{"PING\x01", WALL_PROTOCOL_ERROR_SYNTAX},
		{"\xc3\x28", WALL_PROTOCOL_ERROR_SYNTAX},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct wall_command c;
		int code;
		if (parse(cases[i].line, &c, &code)) {
			g_error("\"%s\" parsed", cases[i].line);
		}
		g_assert_cmpint(code, ==, cases[i].code);
		wall_command_clear(&c);
	}
	/* The tag survives an error, for the reply. */
	struct wall_command c;
	int code;
	g_assert_false(parse("#q7 SCENE", &c, &code));
	g_assert_cmpstr(c.tag, ==, "q7");
	wall_command_clear(&c);
	/* NUL in the middle of a line is a syntax error, not an end. */
	GError *error = NULL;
	g_assert_false(wall_protocol_parse("PING\0x", 6, &c, &error));
	g_assert_error(error, WALL_PROTOCOL_ERROR, WALL_PROTOCOL_ERROR_SYNTAX);
	g_clear_error(&error);
	wall_command_clear(&c);
}

/*
 * The socket reads durations as a layout does (value.h): whatever the
 * layout takes, FOR takes with the same meaning, and what it refuses,
 * FOR refuses.
 */
static void test_durations_agree_with_layout(void)
{
	static const char *const good[] = {"1.5s", "1h", "90s", "90", "250ms", "2m", "3S", ".5s", "1d"};
	for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
		int64_t layout_ms = 0;
		g_assert_true(wall_parse_duration_ms(good[i], &layout_ms));
		char *line = g_strdup_printf("ALARM cam FOR %s", good[i]);
		struct wall_command c;
		int code;
		if (!parse(line, &c, &code)) {
			g_error("\"%s\" refused", line);
		}
		g_assert_cmpint(c.for_ms, ==, layout_ms);
		wall_command_clear(&c);
		g_free(line);
	}
	static const char *const bad[] = {"-1s", "soon", "0x10", "1w", "inf", "2ss"};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		int64_t ms;
		g_assert_false(wall_parse_duration_ms(bad[i], &ms));
		char *line = g_strdup_printf("ALARM cam FOR %s", bad[i]);
		struct wall_command c;
		int code;
		g_assert_false(parse(line, &c, &code));
		g_assert_cmpint(code, ==, WALL_PROTOCOL_ERROR_USAGE);
		wall_command_clear(&c);
		g_free(line);
	}

	/* TRANSITION counts a bare number in milliseconds, and takes units too. */
	struct wall_command c;
	int code;
	g_assert_true(parse("SCENE a TRANSITION fade 1.5s", &c, &code));
	g_assert_cmpint(c.duration_ms, ==, 1500);
	wall_command_clear(&c);
	g_assert_true(parse("SCENE a TRANSITION fade 400", &c, &code));
	g_assert_cmpint(c.duration_ms, ==, 400);
	wall_command_clear(&c);
}

static void test_quote(void)
{
	char *q = wall_protocol_quote("a \"b\" c\\");
	g_assert_cmpstr(q, ==, "\"a \\\"b\\\" c\\\\\"");
	struct wall_command c;
	char *line = g_strdup_printf("SCENE %s", q);
	int code;
	g_assert_true(parse(line, &c, &code));
	g_assert_cmpstr(c.name, ==, "a \"b\" c\\");
	wall_command_clear(&c);
	g_free(line);
	g_free(q);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/protocol/commands", test_commands);
	g_test_add_func("/protocol/errors", test_errors);
	g_test_add_func("/protocol/durations-agree-with-layout", test_durations_agree_with_layout);
	g_test_add_func("/protocol/quote", test_quote);
	return g_test_run();
}
