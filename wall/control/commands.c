/*
 * The commands that change or describe the wall, on the render thread at
 * a frame boundary. Each is one function of the same shape, found in one
 * table by its kind: it checks, changes the compositor, adds its answer
 * to out, and leaves any work for after the frame as a follow-up.
 */
#include "control_private.h"

#include <string.h>

#include "cluster/cluster.h"
#include "datastore.h"
#include "heap.h"
#include "json_write.h"
#include "source.h"

typedef bool (*command_fn)(struct wall_control *control, const struct wall_command *command,
                           struct wall_request *request, JsonBuilder *out);

static char *scene_names(const struct wall_layout *layout)
{
	GString *names = g_string_new(NULL);
	for (guint i = 0; i < layout->scenes->len; i++) {
		const struct wall_layout_scene *scene = layout->scenes->pdata[i];
		g_string_append_printf(names, "%s%s", i > 0 ? ", " : "", scene->name);
	}
	return g_string_free(names, FALSE);
}

static const char *scene_name(struct wall_control *control)
{
	return wall_compositor_get_scene(control->compositor)->name;
}

static enum wall_transition_kind transition_of(const struct wall_command *command,
                                               int64_t *duration_ms)
{
	if (command->transition == WALL_TRANSITION_INVALID) {
		*duration_ms = 0;
		return WALL_TRANSITION_CUT;
	}
	/* "fade" alone means a half-second fade: long enough to see, short
	 * enough that nobody waits. */
	*duration_ms = command->duration_ms > 0 || command->transition == WALL_TRANSITION_CUT
	                       ? command->duration_ms
	                       : 500;
	return command->transition;
}

static bool do_scene(struct wall_control *control, const struct wall_command *command,
                     struct wall_request *request, JsonBuilder *out)
{
	const struct wall_layout_scene *scene =
	        wall_layout_find_scene(control->layout, command->name);
	if (scene == NULL) {
		char *names = scene_names(control->layout);
		wall_request_fail(request, "not-found", "no scene \"%s\" (scenes: %s)",
		                  command->name, names);
		g_free(names);
		return false;
	}
	int64_t duration_ms;
	enum wall_transition_kind transition = transition_of(command, &duration_ms);
	wall_compositor_show_scene(control->compositor, control->layout, scene, transition,
	                           duration_ms, control->now_us);
	control->preset = 0;
	control->state_changed = true;
	control->scene_changed = true;
	wall_json_set_string(out, "scene", scene->name);
	wall_json_set_string(out, "transition", wall_transition_name(transition));
	wall_json_set_int(out, "duration_ms", duration_ms);
	return true;
}

static bool recall_preset(struct wall_control *control, int number,
                          enum wall_transition_kind transition, int64_t duration_ms,
                          struct wall_request *request)
{
	struct user_preset *saved = g_hash_table_lookup(control->presets, GINT_TO_POINTER(number));
	if (saved != NULL) {
		char *why = NULL;
		bool ok = control_apply_state(control, saved->json, transition, duration_ms, &why);
		if (!ok) {
			wall_request_fail(request, "not-found", "preset %d cannot be shown: %s",
			                  number, why);
		}
		g_free(why);
		if (!ok) {
			return false;
		}
	} else {
		const struct wall_layout_scene *scene =
		        wall_layout_find_preset(control->layout, number);
		if (scene == NULL) {
			return wall_request_fail(request, "not-found",
			                         "no preset %d; try LIST PRESETS", number);
		}
		wall_compositor_show_scene(control->compositor, control->layout, scene, transition,
		                           duration_ms, control->now_us);
	}
	control->preset = number;
	control->state_changed = true;
	control->scene_changed = true;
	return true;
}

static bool do_preset(struct wall_control *control, const struct wall_command *command,
                      struct wall_request *request, JsonBuilder *out)
{
	int64_t duration_ms;
	enum wall_transition_kind transition = transition_of(command, &duration_ms);
	if (!recall_preset(control, command->number, transition, duration_ms, request)) {
		return false;
	}
	wall_json_set_int(out, "preset", command->number);
	wall_json_set_string(out, "scene", scene_name(control));
	wall_json_set_string(out, "transition", wall_transition_name(transition));
	return true;
}

static bool do_preset_save(struct wall_control *control, const struct wall_command *command,
                           struct wall_request *request, JsonBuilder *out)
{
	int saved_preset = control->preset;
	/* A preset does not remember which preset it was saved from. */
	control->preset = 0;
	struct user_preset *preset = g_new0(struct user_preset, 1);
	preset->name = g_strdup(command->text);
	preset->json = control_state_json(control);
	control->preset = saved_preset;
	g_hash_table_replace(control->presets, GINT_TO_POINTER(command->number), preset);
	/* Written to disk by the control thread, before the reply goes out. */
	struct wall_followup *save = wall_request_follow_up(request, WALL_FOLLOWUP_SAVE_PRESET);
	save->number = command->number;
	save->text = g_strdup(preset->name);
	save->json = g_strdup(preset->json);
	wall_json_set_int(out, "preset", command->number);
	wall_json_set_string(out, "name", preset->name);
	wall_json_set_string(out, "scene", scene_name(control));
	return true;
}

static bool do_preset_delete(struct wall_control *control, const struct wall_command *command,
                             struct wall_request *request, JsonBuilder *out)
{
	if (!g_hash_table_remove(control->presets, GINT_TO_POINTER(command->number))) {
		const char *hint = wall_layout_find_preset(control->layout, command->number) != NULL
		                           ? "; presets of the layout file change with the file"
		                           : "";
		return wall_request_fail(request, "not-found", "no saved preset %d%s",
		                         command->number, hint);
	}
	wall_request_follow_up(request, WALL_FOLLOWUP_DELETE_PRESET)->number = command->number;
	wall_json_set_int(out, "preset", command->number);
	wall_json_set_bool(out, "deleted", true);
	return true;
}

static bool no_tile(struct wall_control *control, struct wall_request *request, const char *id)
{
	GString *ids = g_string_new(NULL);
	const struct wall_layout_scene *scene = wall_compositor_get_scene(control->compositor);
	for (guint i = 0; i < scene->tiles->len; i++) {
		const struct wall_layout_tile *tile = scene->tiles->pdata[i];
		g_string_append_printf(ids, "%s%s", i > 0 ? ", " : "", tile->id);
	}
	wall_request_fail(request, "not-found", "scene %s has no tile \"%s\" (tiles: %s)",
	                  scene->name, id, ids->str);
	g_string_free(ids, TRUE);
	return false;
}

static const struct wall_layout_source *want_source(struct wall_control *control,
                                                    struct wall_request *request, const char *name)
{
	const struct wall_layout_source *source = wall_layout_find_source(control->layout, name);
	if (source == NULL) {
		wall_request_fail(request, "not-found", "no source \"%s\"; try LIST SOURCES", name);
	}
	return source;
}

static bool do_tile(struct wall_control *control, const struct wall_command *command,
                    struct wall_request *request, JsonBuilder *out)
{
	const struct wall_layout_source *source = NULL;
	if (command->kind == WALL_COMMAND_TILE_SOURCE &&
	    (source = want_source(control, request, command->name)) == NULL) {
		return false;
	}
	if (!wall_compositor_pin(control->compositor, command->tile, source)) {
		return no_tile(control, request, command->tile);
	}
	control->state_changed = true;
	wall_json_set_string(out, "tile", command->tile);
	wall_json_set_string(out, "source", source != NULL ? source->name : NULL);
	return true;
}

static bool do_tour(struct wall_control *control, const struct wall_command *command,
                    struct wall_request *request, JsonBuilder *out)
{
	switch (wall_compositor_tour(control->compositor, command->tile, command->tour,
	                             control->now_us)) {
	case WALL_TOUR_RESULT_OK:
		break;
	case WALL_TOUR_RESULT_NOT_A_TOUR:
		return wall_request_fail(request, "state", "tile \"%s\" has no tour",
		                         command->tile);
	case WALL_TOUR_RESULT_NO_TILE:
		return no_tile(control, request, command->tile);
	default:
		return wall_request_fail(request, "internal", "unknown tour action");
	}
	wall_json_set_string(out, "tile", command->tile);
	return true;
}

static bool tile_in_layout(const struct wall_layout *layout, const char *id)
{
	for (guint i = 0; i < layout->scenes->len; i++) {
		if (wall_layout_find_tile(layout->scenes->pdata[i], id) != NULL) {
			return true;
		}
	}
	return false;
}

static bool do_alarm(struct wall_control *control, const struct wall_command *command,
                     struct wall_request *request, JsonBuilder *out)
{
	const struct wall_layout_source *source = want_source(control, request, command->name);
	if (source == NULL) {
		return false;
	}
	if (command->tile != NULL && !tile_in_layout(control->layout, command->tile)) {
		return wall_request_fail(request, "not-found", "no scene has a tile \"%s\"",
		                         command->tile);
	}
	struct wall_alarm alarm = {
	        .source = source,
	        .tile_id = command->tile,
	        .duration_ms = command->for_ms,
	        .priority = command->priority,
	};
	int place = wall_compositor_alarm(control->compositor, &alarm, control->now_us);
	control_cluster_note_alarm(control, command);
	wall_json_set_string(out, "source", source->name);
	wall_json_set_int(out, "queued", place);
	return true;
}

static bool do_alarm_clear(struct wall_control *control, const struct wall_command *command,
                           struct wall_request *request, JsonBuilder *out)
{
	wall_json_set_int(out, "cleared", wall_compositor_alarm_clear(control->compositor));
	control_cluster_note_alarm(control, command);
	return true;
}

static void list_scenes(struct wall_control *control, JsonBuilder *out)
{
	const struct wall_layout *layout = control->layout;
	json_builder_set_member_name(out, "scenes");
	json_builder_begin_array(out);
	for (guint i = 0; i < layout->scenes->len; i++) {
		const struct wall_layout_scene *scene = layout->scenes->pdata[i];
		json_builder_begin_object(out);
		wall_json_set_string(out, "name", scene->name);
		wall_json_set_int(out, "tiles", scene->tiles->len);
		wall_json_set_bool(out, "current",
		                   scene == wall_compositor_get_scene(control->compositor));
		wall_json_set_bool(out, "start", scene == layout->start_scene);
		json_builder_end_object(out);
	}
	json_builder_end_array(out);
}

static void list_sources(struct wall_control *control, JsonBuilder *out)
{
	const struct wall_layout *layout = control->layout;
	json_builder_set_member_name(out, "sources");
	json_builder_begin_array(out);
	for (guint i = 0; i < layout->sources->len; i++) {
		const struct wall_layout_source *source = layout->sources->pdata[i];
		json_builder_begin_object(out);
		wall_json_set_string(out, "name", source->name);
		wall_json_set_string(out, "plugin", source->plugin);
		wall_json_set_string(out, "label", source->label);
		wall_json_set_string(out, "district", source->district);
		wall_json_set_string(out, "town", source->town);
		json_builder_end_object(out);
	}
	json_builder_end_array(out);
}

static bool do_list(struct wall_control *control, const struct wall_command *command,
                    struct wall_request *request, JsonBuilder *out)
{
	switch (command->list) {
	case WALL_LIST_SCENES:
		list_scenes(control, out);
		return true;
	case WALL_LIST_PRESETS:
		control_presets_list(control, out);
		return true;
	case WALL_LIST_SOURCES:
		list_sources(control, out);
		return true;
	case WALL_LIST_TILES:
		wall_json_set_string(out, "scene", scene_name(control));
		wall_compositor_describe(control->compositor, out, control->now_us);
		return true;
	default:
		return wall_request_fail(request, "usage", "LIST SCENES|PRESETS|SOURCES|TILES");
	}
}

static bool do_status(struct wall_control *control, const struct wall_command *command,
                      struct wall_request *request, JsonBuilder *out)
{
	wall_json_set_string(out, "scene", scene_name(control));
	json_builder_set_member_name(out, "preset");
	if (control->preset != 0) {
		json_builder_add_int_value(out, control->preset);
	} else {
		json_builder_add_null_value(out);
	}
	wall_json_set_bool(out, "transition", wall_compositor_in_transition(control->compositor));
	wall_json_set_string(out, "layout", control->layout->path);
	wall_json_set_string(out, "renderer", wall_compositor_renderer_name(control->compositor));
	wall_json_set_int(out, "canvas_width_px", control->layout->canvas_width_px);
	wall_json_set_int(out, "canvas_height_px", control->layout->canvas_height_px);
	wall_compositor_describe(control->compositor, out, control->now_us);
	wall_counters_describe(&control->counters, out);
	/* Limits hit outside the control plane: DATA keys, render-thread callbacks. */
	json_builder_set_member_name(out, "limits");
	json_builder_begin_object(out);
	wall_json_set_int(out, "data_keys", wall_data_count());
	wall_json_set_int(out, "data_refused", (int64_t)wall_data_refused());
	wall_json_set_int(out, "slow_render_callbacks", wall_source_slow_callbacks());
	json_builder_end_object(out);
	wall_heap_describe(out);
	if (control->cluster != NULL) {
		wall_cluster_describe(control->cluster, out);
	}
	return true;
}

static bool do_screenshot(struct wall_control *control, const struct wall_command *command,
                          struct wall_request *request, JsonBuilder *out)
{
	/* Taken once this frame is drawn, so it shows what was just applied;
	 * written by the control thread. */
	wall_request_follow_up(request, WALL_FOLLOWUP_SCREENSHOT)->text = g_strdup(command->name);
	char *path = g_build_filename(control->screenshot_dir, command->name, NULL);
	wall_json_set_string(out, "path", path);
	g_free(path);
	return true;
}

/* The layout was loaded and checked on the control thread: only the swap is left. */
static bool do_swap_layout(struct wall_control *control, const struct wall_command *command,
                           struct wall_request *request, JsonBuilder *out)
{
	struct wall_layout *layout = g_steal_pointer(&request->layout);
	if (layout == NULL) {
		return wall_request_fail(request, "internal", "no layout came with RELOAD");
	}
	const struct wall_layout_scene *old = wall_compositor_get_scene(control->compositor);
	const struct wall_layout_scene *scene = wall_layout_find_scene(layout, old->name);
	if (scene == NULL) {
		scene = layout->start_scene;
	}
	bool same_scene = strcmp(scene->name, old->name) == 0;
	wall_compositor_set_layout(control->compositor, layout, scene);
	/* The compositor has let go of every pointer into the old one. */
	wall_layout_destroy(control->layout);
	control->layout = layout;
	control->state_changed = true;
	control->scene_changed = !same_scene;
	wall_json_set_string(out, "layout", layout->path);
	wall_json_set_string(out, "scene", scene->name);
	wall_json_set_int(out, "scenes", layout->scenes->len);
	wall_json_set_int(out, "sources", layout->sources->len);
	return true;
}

static const command_fn command_table[] = {
        [WALL_COMMAND_SCENE] = do_scene,
        [WALL_COMMAND_PRESET] = do_preset,
        [WALL_COMMAND_PRESET_SAVE] = do_preset_save,
        [WALL_COMMAND_PRESET_DELETE] = do_preset_delete,
        [WALL_COMMAND_TILE_SOURCE] = do_tile,
        [WALL_COMMAND_TILE_RESET] = do_tile,
        [WALL_COMMAND_TOUR] = do_tour,
        [WALL_COMMAND_ALARM] = do_alarm,
        [WALL_COMMAND_ALARM_CLEAR] = do_alarm_clear,
        [WALL_COMMAND_LIST] = do_list,
        [WALL_COMMAND_STATUS] = do_status,
        [WALL_COMMAND_SCREENSHOT] = do_screenshot,
        [WALL_COMMAND_RELOAD] = do_swap_layout,
};

static bool apply_one(struct wall_control *control, const struct wall_command *command,
                      struct wall_request *request, JsonBuilder *out)
{
	command_fn fn = (size_t)command->kind < G_N_ELEMENTS(command_table)
	                        ? command_table[command->kind]
	                        : NULL;
	if (fn == NULL) {
		return wall_request_fail(request, "internal",
		                         "command %d does not run on the render thread",
		                         (int)command->kind);
	}
	return fn(control, command, request, out);
}

/*
 * A batch runs in order and stops at its first failing command; the ones
 * before it stay applied, on this frame. It answers with the count only.
 */
static bool apply_batch(struct wall_control *control, struct wall_request *request,
                        JsonBuilder *out)
{
	wall_json_set_int(out, "commands", request->count);
	for (guint i = 0; i < request->count; i++) {
		JsonBuilder *inner = json_builder_new();
		json_builder_begin_object(inner);
		bool ok = apply_one(control, &request->commands[i], request, inner);
		g_object_unref(inner);
		if (!ok) {
			char *message = g_strdup_printf(
			        "batch command %u of %u: %s%s", i + 1, request->count,
			        request->err_message,
			        i > 0 ? " (the commands before it were applied)" : "");
			g_free(request->err_message);
			request->err_message = message;
			return false;
		}
	}
	return true;
}

void control_apply_request(struct wall_control *control, struct wall_request *request)
{
	request->frame = control->frame;
	JsonBuilder *out = json_builder_new();
	json_builder_begin_object(out);
	wall_json_set_int(out, "frame", (int64_t)control->frame);
	bool ok = request->count == 1 ? apply_one(control, &request->commands[0], request, out)
	                              : apply_batch(control, request, out);
	json_builder_end_object(out);
	char *json = wall_json_finish(out);
	if (ok) {
		wall_request_succeed(request, json);
	}
	g_free(json);
	g_ptr_array_add(control->answered, request);
}
