/*
 * The layout's keys: map, from Linux key names to control commands, and
 * what a key press runs: its binding, else a digit's preset.
 *
 *   keys:
 *     KEY_PAGEDOWN: "PRESET 2"
 *     KEY_F1: "SCENE overview"
 */
#include <libevdev/libevdev.h>
#include <string.h>

#include "control/protocol.h"
#include "layout_loader.h"

/* Bindings beyond this are a mistake, not a remote. */
#define MAX_KEYS 256

static void key_clear(void *data)
{
	struct wall_layout_key *key = data;
	g_free(key->command);
}

void wall_layout_keys_init(struct wall_layout *layout)
{
	layout->keys = g_array_new(FALSE, TRUE, sizeof(struct wall_layout_key));
	g_array_set_clear_func(layout->keys, key_clear);
}

/* The command must parse, change the wall (so it is audited), and name a scene that exists. */
static bool want_key_command(struct loader *ld, const node_t *node, const char *key_name)
{
	if (!loader_want_text(ld, node, "a control command such as \"PRESET 2\"")) {
		return false;
	}
	struct wall_command command;
	GError *error = NULL;
	bool ok = wall_protocol_parse(node->text, strlen(node->text), &command, &error);
	if (!ok) {
		loader_fail(ld, node, "%s: \"%s\" is not a control command: %s", key_name,
		            node->text, error->message);
		g_error_free(error);
	} else if (command.tag != NULL) {
		ok = loader_fail(ld, node, "%s: a key's command carries no #tag", key_name);
	} else if (!wall_command_changes_wall(command.kind) ||
	           command.kind == WALL_COMMAND_RELOAD) {
		ok = loader_fail(ld, node,
		                 "%s: a key runs a command that changes the wall (SCENE, PRESET, "
		                 "TILE, TOUR or ALARM), not \"%s\"",
		                 key_name, node->text);
	} else if (command.kind == WALL_COMMAND_SCENE &&
	           wall_layout_find_scene(ld->layout, command.name) == NULL) {
		ok = loader_fail(ld, node, "%s: there is no scene \"%s\" in this layout", key_name,
		                 command.name);
	}
	wall_command_clear(&command);
	return ok;
}

bool layout_parse_keys(struct loader *ld, const node_t *map)
{
	if (!loader_want_kind(ld, map, WALL_YAML_KIND_MAPPING,
	                      "a mapping of key names (KEY_PAGEDOWN) to control commands")) {
		return false;
	}
	if (map->items->len > MAX_KEYS) {
		return loader_fail(ld, map, "at most %d keys can be bound", MAX_KEYS);
	}
	for (guint i = 0; i < map->items->len; i++) {
		const struct wall_yaml_pair *pair = g_ptr_array_index(map->items, i);
		const char *name = pair->key->text;
		int code = g_str_has_prefix(name, "KEY_")
		                   ? libevdev_event_code_from_name(EV_KEY, name)
		                   : -1;
		if (code < 0) {
			return loader_fail_got(ld, pair->key,
			                       "a Linux key name such as KEY_PAGEDOWN, KEY_F1 or "
			                       "KEY_KP5 (see linux/input-event-codes.h)");
		}
		if (!want_key_command(ld, pair->value, name)) {
			return false;
		}
		struct wall_layout_key key = {.code = code, .command = g_strdup(pair->value->text)};
		g_array_append_val(ld->layout->keys, key);
	}
	return true;
}

/* 1-9 on the main row or the keypad: their number; 0: 0; else -1. */
static int digit_of(int code)
{
	static const int row[] = {KEY_0, KEY_1, KEY_2, KEY_3, KEY_4,
	                          KEY_5, KEY_6, KEY_7, KEY_8, KEY_9};
	static const int keypad[] = {KEY_KP0, KEY_KP1, KEY_KP2, KEY_KP3, KEY_KP4,
	                             KEY_KP5, KEY_KP6, KEY_KP7, KEY_KP8, KEY_KP9};
	for (int i = 0; i < 10; i++) {
		if (code == row[i] || code == keypad[i]) {
			return i;
		}
	}
	return -1;
}

char *wall_layout_key_command(const struct wall_layout *layout, int code)
{
	for (guint i = 0; i < layout->keys->len; i++) {
		const struct wall_layout_key *key =
		        &g_array_index(layout->keys, struct wall_layout_key, i);
		if (key->code == code) {
			return g_strdup(key->command);
		}
	}
	/* A host's remote changes the wall at once: no transition. */
	int digit = digit_of(code);
	if (digit > 0) {
		return g_strdup_printf("PRESET %d TRANSITION cut", digit);
	}
	if (digit == 0) {
		char *name = wall_protocol_quote(layout->start_scene->name);
		char *command = g_strdup_printf("SCENE %s TRANSITION cut", name);
		g_free(name);
		return command;
	}
	return NULL;
}

const char *wall_key_name(int code)
{
	const char *name = libevdev_event_code_get_name(EV_KEY, (unsigned)code);
	return name != NULL ? name : "KEY_UNKNOWN";
}
