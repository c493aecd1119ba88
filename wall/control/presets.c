/* Wall states as JSON, {"scene": name, "pins": {tile: source}}: saved presets and the state kept
 * across a restart. */
#include "control_private.h"

#include "json_write.h"
#include "state.h"

static void user_preset_free(void *data)
{
	struct user_preset *preset = data;
	g_free(preset->name);
	g_free(preset->json);
	g_free(preset);
}

static void load_preset(void *user, int number, const char *name, const char *json)
{
	struct wall_control *control = user;
	struct user_preset *preset = g_new0(struct user_preset, 1);
	preset->name = g_strdup(name);
	preset->json = g_strdup(json);
	g_hash_table_insert(control->presets, GINT_TO_POINTER(number), preset);
}

void control_presets_load(struct wall_control *control)
{
	control->presets = g_hash_table_new_full(NULL, NULL, NULL, user_preset_free);
	wall_state_foreach_preset(control->state, load_preset, control);
}

static void add_pin(void *user, const char *tile_id, const char *source)
{
	wall_json_set_string(user, tile_id, source);
}

char *control_state_json(struct wall_control *control)
{
	JsonBuilder *builder = json_builder_new();
	json_builder_begin_object(builder);
	wall_json_set_string(builder, "scene",
	                     wall_compositor_get_scene(control->compositor)->name);
	json_builder_set_member_name(builder, "pins");
	json_builder_begin_object(builder);
	wall_compositor_foreach_pin(control->compositor, add_pin, builder);
	json_builder_end_object(builder);
	if (control->preset != 0) {
		wall_json_set_int(builder, "preset", control->preset);
	}
	json_builder_end_object(builder);
	return wall_json_finish(builder);
}

static void apply_pins(struct wall_control *control, JsonObject *pins)
{
	JsonObjectIter iter;
	const char *tile;
	JsonNode *value;
	json_object_iter_init(&iter, pins);
	while (json_object_iter_next(&iter, &tile, &value)) {
		const struct wall_layout_source *source =
		        JSON_NODE_HOLDS_VALUE(value)
		                ? wall_layout_find_source(control->layout,
		                                          json_node_get_string(value))
		                : NULL;
		if (source != NULL) {
			wall_compositor_pin(control->compositor, tile, source);
		}
	}
}

bool control_apply_state(struct wall_control *control, const char *json,
                         enum wall_transition_kind transition, int64_t duration_ms, char **why)
{
	JsonParser *parser = json_parser_new();
	bool ok = false;
	if (!json_parser_load_from_data(parser, json, -1, NULL) ||
	    !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
		*why = g_strdup("the saved state is not valid JSON");
		goto out;
	}
	JsonObject *object = json_node_get_object(json_parser_get_root(parser));
	const char *name = json_object_get_string_member_with_default(object, "scene", "");
	const struct wall_layout_scene *scene = wall_layout_find_scene(control->layout, name);
	if (scene == NULL) {
		*why = g_strdup_printf("its scene \"%s\" is not in the layout any more", name);
		goto out;
	}
	wall_compositor_show_scene(control->compositor, control->layout, scene, transition,
	                           duration_ms, control->now_us);
	JsonNode *pins = json_object_get_member(object, "pins");
	if (pins != NULL && JSON_NODE_HOLDS_OBJECT(pins)) {
		apply_pins(control, json_node_get_object(pins));
	}
	control->state_changed = true;
	control->scene_changed = true;
	ok = true;
out:
	g_object_unref(parser);
	return ok;
}

/* The scene a saved preset shows, or NULL when its state says none. */
static void set_saved_scene(JsonBuilder *out, const char *json)
{
	JsonNode *state = json_from_string(json, NULL);
	if (state != NULL && JSON_NODE_HOLDS_OBJECT(state)) {
		wall_json_set_string(out, "scene",
		                     json_object_get_string_member_with_default(
		                             json_node_get_object(state), "scene", NULL));
	}
	if (state != NULL) {
		json_node_unref(state);
	}
}

void control_presets_list(struct wall_control *control, JsonBuilder *out)
{
	json_builder_set_member_name(out, "presets");
	json_builder_begin_array(out);
	for (int n = 1; n <= 999; n++) {
		struct user_preset *saved =
		        g_hash_table_lookup(control->presets, GINT_TO_POINTER(n));
		const struct wall_layout_scene *scene = wall_layout_find_preset(control->layout, n);
		if (saved == NULL && scene == NULL) {
			continue;
		}
		json_builder_begin_object(out);
		wall_json_set_int(out, "number", n);
		wall_json_set_bool(out, "saved", saved != NULL);
		if (saved != NULL) {
			wall_json_set_string(out, "name", saved->name);
			set_saved_scene(out, saved->json);
		} else {
			wall_json_set_string(out, "name", NULL);
			wall_json_set_string(out, "scene", scene->name);
		}
		json_builder_end_object(out);
	}
	json_builder_end_array(out);
}
