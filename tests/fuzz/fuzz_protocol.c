/*
 * libFuzzer target for the control protocol's parser: any bytes must
 * parse or fail with an error, never crash, leak or read out of bounds,
 * and whatever parses must hold what its kind promises.
 */
#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "control/protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy the exact size of the input, so ASan sees any overread. */
	char *line = g_malloc(size > 0 ? size : 1);
	memcpy(line, data, size);
	struct wall_command command;
	GError *error = NULL;
	bool ok = wall_protocol_parse(line, size, &command, &error);
	if (ok) {
		g_assert_null(error);
		switch (command.kind) {
		case WALL_COMMAND_SCENE:
		case WALL_COMMAND_SCREENSHOT:
		case WALL_COMMAND_AUTH:
		case WALL_COMMAND_TILE_SOURCE:
		case WALL_COMMAND_ALARM:
			g_assert_nonnull(command.name);
			g_assert_true(g_utf8_validate(command.name, -1, NULL));
			break;
		case WALL_COMMAND_DATA:
			g_assert_nonnull(command.name);
			g_assert_nonnull(command.text);
			break;
		case WALL_COMMAND_DATA_DELETE:
			/* A key of its own characters only, never empty, never with a space. */
			g_assert_nonnull(command.name);
			g_assert_cmpuint(strlen(command.name), >, 0);
			g_assert_cmpuint(strcspn(command.name, " \t\""), ==, strlen(command.name));
			g_assert_null(command.text);
			break;
		case WALL_COMMAND_PRESET:
		case WALL_COMMAND_PRESET_SAVE:
		case WALL_COMMAND_PRESET_DELETE:
			g_assert_cmpint(command.number, >=, 1);
			g_assert_cmpint(command.number, <=, 999);
			break;
		default:
			break;
		}
		if (command.tag != NULL) {
			g_assert_cmpuint(strlen(command.tag), <=, WALL_PROTOCOL_MAX_TAG);
		}
	} else {
		g_assert_nonnull(error);
		g_assert_nonnull(wall_protocol_error_word(error->code));
		g_error_free(error);
	}
	/* Quoting any parsed name and parsing it back gives the name again. */
	if (ok && command.name != NULL && command.kind == WALL_COMMAND_SCENE) {
		char *quoted = wall_protocol_quote(command.name);
		char *again = g_strdup_printf("SCENE %s", quoted);
		struct wall_command round;
		GError *round_error = NULL;
		bool round_ok = wall_protocol_parse(again, strlen(again), &round, &round_error);
		g_assert_true(round_ok);
		g_assert_cmpstr(round.name, ==, command.name);
		wall_command_clear(&round);
		g_free(again);
		g_free(quoted);
	}
	wall_command_clear(&command);
	g_free(line);
	return 0;
}
