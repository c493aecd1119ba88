/* The layout's keys: map: Linux key names to control commands, checked at
 * load with the line and column of every mistake, and what a press runs. */
#include <glib.h>
#include <linux/input-event-codes.h>
#include <string.h>

#include "control/protocol.h"
#include "layout.h"
#include "support.h"

#define SCENES                                                                                     \
	"wall: {canvas: 64x64}\n"                                                                  \
	"scenes:\n"                                                                                \
	"  start here:\n"                                                                          \
	"    tiles: []\n"                                                                          \
	"  overview:\n"                                                                            \
	"    tiles: []\n"

static struct wall_layout *parse(const char *text, GError **error)
{
	return wall_layout_parse("test.yaml", text, strlen(text), NULL, NULL, error);
}

static void assert_command(const struct wall_layout *layout, int code, const char *want)
{
	char *command = wall_layout_key_command(layout, code);
	g_assert_cmpstr(command, ==, want);
	if (command != NULL) {
		/* Whatever a key runs is a command the control parses. */
		struct wall_command parsed;
		GError *error = NULL;
		g_assert_true(wall_protocol_parse(command, strlen(command), &parsed, &error));
		g_assert_no_error(error);
		wall_command_clear(&parsed);
	}
	g_free(command);
}

static void test_bindings(void)
{
	GError *error = NULL;
	struct wall_layout *layout =
	        parse(SCENES "keys:\n"
	                     "  KEY_PAGEDOWN: \"PRESET 2\"\n"
	                     "  KEY_F1: \"SCENE overview\"\n"
	                     "  KEY_1: \"ALARM CLEAR\"\n"
	                     "  KEY_B: \"SCENE \\\"start here\\\" TRANSITION fade 300\"\n",
	              &error);
	g_assert_no_error(error);
	g_assert_cmpuint(layout->keys->len, ==, 4);
	assert_command(layout, KEY_PAGEDOWN, "PRESET 2");
	assert_command(layout, KEY_F1, "SCENE overview");
	assert_command(layout, KEY_B, "SCENE \"start here\" TRANSITION fade 300");
	/* A binding wins over a digit's preset. */
	assert_command(layout, KEY_1, "ALARM CLEAR");
	/* The other digits, on the main row and the keypad, recall presets at once. */
	assert_command(layout, KEY_2, "PRESET 2 TRANSITION cut");
	assert_command(layout, KEY_KP1, "PRESET 1 TRANSITION cut");
	assert_command(layout, KEY_KP9, "PRESET 9 TRANSITION cut");
	/* 0 goes back to the start scene, quoted when its name has a space. */
	assert_command(layout, KEY_0, "SCENE \"start here\" TRANSITION cut");
	assert_command(layout, KEY_KP0, "SCENE \"start here\" TRANSITION cut");
	assert_command(layout, KEY_Q, NULL);
	assert_command(layout, KEY_PAGEUP, NULL);
	g_assert_cmpstr(wall_key_name(KEY_PAGEDOWN), ==, "KEY_PAGEDOWN");
	g_assert_cmpstr(wall_key_name(-1), ==, "KEY_UNKNOWN");
	wall_layout_destroy(layout);
}

/* keys is the text under keys:, from line 8 of the layout on. */
static void expect_error(const char *keys, const char *where, const char *phrase)
{
	char *text = g_strconcat(SCENES, "keys:\n", keys, NULL);
	wall_test_expect_layout_error(NULL, text, where, phrase);
	g_free(text);
}

static void test_mistakes(void)
{
	/* Line 8 is the first binding under keys:. */
	expect_error("  KEY_NOPE: \"PRESET 2\"\n", "8:3", "a Linux key name such as KEY_PAGEDOWN");
	expect_error("  PAGEDOWN: \"PRESET 2\"\n", "8:3", "got \"PAGEDOWN\"");
	expect_error("  BTN_LEFT: \"PRESET 2\"\n", "8:3", "a Linux key name");
	expect_error("  KEY_F1: \"PRESET two\"\n", "8:11",
	             "KEY_F1: \"PRESET two\" is not a control command");
	expect_error("  KEY_F1: \"FLY AWAY\"\n", "8:11", "is not a control command");
	expect_error("  KEY_F1: \"\"\n", "8:11", "expected a control command");
	expect_error("  KEY_F1: [PRESET, 2]\n", "8:11", "expected a control command");
	expect_error("  KEY_F1: \"SUBSCRIBE\"\n", "8:11",
	             "a key runs a command that changes the wall");
	expect_error("  KEY_F1: \"RELOAD\"\n", "8:11", "not \"RELOAD\"");
	expect_error("  KEY_F1: \"#7 PRESET 2\"\n", "8:11", "no #tag");
	expect_error("  KEY_F1: \"SCENE nowhere\"\n", "8:11", "no scene \"nowhere\"");
	expect_error("  KEY_F1: \"PRESET 2\"\n  KEY_F2: \"SCENE x\"\n", "9:11", "no scene \"x\"");
	char *text = g_strconcat(SCENES, "keys: [KEY_F1]\n", NULL);
	wall_test_expect_layout_error(NULL, text, "7:7", "expected a mapping of key names");
	g_free(text);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/keys/bindings", test_bindings);
	g_test_add_func("/keys/mistakes", test_mistakes);
	return g_test_run();
}
