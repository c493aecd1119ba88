#include "control.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "log.h"
#include "protocol.h"
#include "request.h"
#include "server.h"
#include "state.h"

/* A user's saved preset: a wall state, {"scene": ..., "pins": {...}}. */
struct user_preset {
	char *name;
	char *json;
};

struct wall_control {
	struct wall_server *server;
	struct wall_state *state;
	/* struct wall_request *, from the control thread. */
	GAsyncQueue *inbox;
	struct wall_layout *layout;
	struct wall_compositor *compositor;
	struct wall_renderer *renderer;
	/* Preset number -> struct user_preset *. Render thread once started. */
	GHashTable *presets;
	/* The preset last recalled, while its scene shows; 0 for none. */
	int preset;
	uint64_t frame;
	int64_t now_us;
	/* This frame's answers, and the ones waiting for its picture. */
	GPtrArray *answered;
	GPtrArray *screenshots;
	GPtrArray *events;
	/* The scene or pins changed this frame: save and announce. */
	bool state_changed;
	bool scene_changed;
};

void wall_request_free(struct wall_request *request)
{
	if (request == NULL) {
		return;
	}
	for (guint i = 0; i < request->count; i++) {
		wall_command_clear(&request->commands[i]);
	}
	g_free(request->commands);
	if (request->conn != NULL) {
		wall_connection_unref(request->conn);
	}
	g_free(request->text);
	g_free(request->peer);
	g_free(request->tag);
	wall_layout_destroy(request->layout);
	g_free(request->json);
	g_free(request->err_code);
	g_free(request->err_message);
	if (request->screenshot != NULL) {
		cairo_surface_destroy(request->screenshot);
	}
	g_free(request->screenshot_path);
	g_free(request->save_preset_name);
	g_free(request->save_preset_json);
	g_free(request);
}

void wall_frame_report_free(struct wall_frame_report *report)
{
	if (report == NULL) {
		return;
	}
	g_ptr_array_unref(report->replies);
	g_ptr_array_unref(report->events);
	g_free(report->last_state);
	g_free(report);
}

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

static char *read_token(const char *path, GError **error)
{
	char *text = NULL;
	if (!g_file_get_contents(path, &text, NULL, error)) {
		return NULL;
	}
	g_strstrip(text);
	if (strlen(text) < 8 || strpbrk(text, " \t\r\n") != NULL) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
			    "%s: a token is one word of at least 8 characters", path);
		g_free(text);
		return NULL;
	}
	return text;
}

static char *default_socket_path(void)
{
	return g_build_filename(g_get_user_runtime_dir(), "wall.sock", NULL);
}

struct wall_control *wall_control_create(const struct wall_control_options *options,
					 struct wall_layout *layout, GError **error)
{
	struct wall_control *control = g_new0(struct wall_control, 1);
	control->layout = layout;
	control->inbox = g_async_queue_new_full((GDestroyNotify)wall_request_free);
	control->presets = g_hash_table_new_full(NULL, NULL, NULL, user_preset_free);
	control->answered = g_ptr_array_new_with_free_func((GDestroyNotify)wall_request_free);
	control->screenshots = g_ptr_array_new_with_free_func((GDestroyNotify)wall_request_free);
	control->events = g_ptr_array_new_with_free_func(g_free);
	char *token = NULL;
	char *socket_path = NULL;

	char *state_path = options->state_path != NULL ? g_strdup(options->state_path)
						       : wall_state_default_path();
	char *layout_key = g_canonicalize_filename(layout->path, NULL);
	control->state = wall_state_open(state_path, layout_key, error);
	g_free(layout_key);
	g_free(state_path);
	if (control->state == NULL) {
		goto err;
	}
	wall_state_foreach_preset(control->state, load_preset, control);

	if (options->token_file != NULL) {
		token = read_token(options->token_file, error);
		if (token == NULL) {
			goto err;
		}
	}
	socket_path = options->socket_path != NULL ? g_strdup(options->socket_path)
						   : default_socket_path();
	struct wall_server_options server_options = {
		.socket_path = socket_path,
		.socket_is_default = options->socket_path == NULL,
		.listen = options->listen,
		.token = token,
		.idle_s = options->idle_s,
		.layout_path = layout->path,
		.registry = options->registry,
		.state = control->state,
	};
	control->server = wall_server_start(&server_options, control->inbox, error);
	if (control->server == NULL) {
		goto err;
	}
	g_free(token);
	g_free(socket_path);
	return control;

err:
	g_free(token);
	g_free(socket_path);
	/* The caller keeps its layout when this fails. */
	control->layout = NULL;
	wall_control_destroy(control);
	return NULL;
}

void wall_control_destroy(struct wall_control *control)
{
	if (control == NULL) {
		return;
	}
	wall_server_stop(control->server);
	/* Nobody is left to answer: what is still queued just goes. */
	g_async_queue_unref(control->inbox);
	g_ptr_array_unref(control->answered);
	g_ptr_array_unref(control->screenshots);
	g_ptr_array_unref(control->events);
	g_hash_table_destroy(control->presets);
	wall_state_close(control->state);
	wall_layout_destroy(control->layout);
	g_free(control);
}

const struct wall_layout *wall_control_layout(struct wall_control *control)
{
	return control->layout;
}

const char *wall_control_socket_path(struct wall_control *control)
{
	return wall_server_socket_path(control->server);
}

/* ---- Wall state as JSON: {"scene": name, "pins": {tile: source}} ---- */

static void add_pin(void *user, const char *tile_id, const char *source)
{
	JsonBuilder *builder = user;
	json_builder_set_member_name(builder, tile_id);
	json_builder_add_string_value(builder, source);
}

static char *builder_text(JsonBuilder *builder)
{
	JsonNode *root = json_builder_get_root(builder);
	char *text = json_to_string(root, FALSE);
	json_node_unref(root);
	g_object_unref(builder);
	return text;
}

static char *wall_state_json(struct wall_control *control)
{
	JsonBuilder *builder = json_builder_new();
	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "scene");
	json_builder_add_string_value(builder, wall_compositor_get_scene(control->compositor)->name);
	json_builder_set_member_name(builder, "pins");
	json_builder_begin_object(builder);
	wall_compositor_foreach_pin(control->compositor, add_pin, builder);
	json_builder_end_object(builder);
	if (control->preset != 0) {
		json_builder_set_member_name(builder, "preset");
		json_builder_add_int_value(builder, control->preset);
	}
	json_builder_end_object(builder);
	return builder_text(builder);
}

/*
 * Show a saved wall state. Pins whose tile or source the layout lost are
 * dropped: the layout may have changed since the state was saved.
 * Returns false, with why set, when its scene is gone.
 */
static bool apply_state(struct wall_control *control, const char *json,
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
	JsonNode *pins_node = json_object_get_member(object, "pins");
	JsonObject *pins = pins_node != NULL && JSON_NODE_HOLDS_OBJECT(pins_node)
				   ? json_node_get_object(pins_node)
				   : NULL;
	if (pins != NULL) {
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
	control->state_changed = true;
	control->scene_changed = true;
	ok = true;
out:
	g_object_unref(parser);
	return ok;
}

const struct wall_layout_scene *wall_control_start(struct wall_control *control,
						   struct wall_compositor *compositor,
						   struct wall_renderer *renderer,
						   const struct wall_layout_scene *scene,
						   bool restore)
{
	control->compositor = compositor;
	control->renderer = renderer;
	control->now_us = g_get_monotonic_time();
	char *last = restore ? wall_state_get_last(control->state) : NULL;
	char *why = NULL;
	if (last != NULL && apply_state(control, last, WALL_TRANSITION_CUT, 0, &why)) {
		wall_info("back on scene %s, as before the restart",
			  wall_compositor_get_scene(compositor)->name);
	} else {
		if (why != NULL) {
			wall_warning("not restoring the last wall state: %s", why);
		}
		wall_compositor_set_scene(compositor, control->layout, scene);
	}
	/* Not a change anyone asked for: nothing to save or announce. */
	control->state_changed = false;
	control->scene_changed = false;
	g_free(why);
	g_free(last);
	return wall_compositor_get_scene(compositor);
}

/* ---- Commands ---- */

static bool fail(struct wall_request *request, const char *code, const char *format, ...)
	G_GNUC_PRINTF(3, 4);

static bool fail(struct wall_request *request, const char *code, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	g_free(request->err_message);
	request->err_message = g_strdup_vprintf(format, args);
	va_end(args);
	g_free(request->err_code);
	request->err_code = g_strdup(code);
	return false;
}

static char *scene_names(const struct wall_layout *layout)
{
	GString *names = g_string_new(NULL);
	for (guint i = 0; i < layout->scenes->len; i++) {
		const struct wall_layout_scene *scene = layout->scenes->pdata[i];
		g_string_append_printf(names, "%s%s", i > 0 ? ", " : "", scene->name);
	}
	return g_string_free(names, FALSE);
}

static void set_int(JsonBuilder *builder, const char *name, int64_t value)
{
	json_builder_set_member_name(builder, name);
	json_builder_add_int_value(builder, value);
}

static void set_string(JsonBuilder *builder, const char *name, const char *value)
{
	json_builder_set_member_name(builder, name);
	if (value != NULL) {
		json_builder_add_string_value(builder, value);
	} else {
		json_builder_add_null_value(builder);
	}
}

static void set_bool(JsonBuilder *builder, const char *name, bool value)
{
	json_builder_set_member_name(builder, name);
	json_builder_add_boolean_value(builder, value);
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
	const struct wall_layout_scene *scene = wall_layout_find_scene(control->layout,
								       command->name);
	if (scene == NULL) {
		char *names = scene_names(control->layout);
		fail(request, "not-found", "no scene \"%s\" (scenes: %s)", command->name, names);
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
	set_string(out, "scene", scene->name);
	set_string(out, "transition", wall_transition_name(transition));
	set_int(out, "duration_ms", duration_ms);
	return true;
}

static bool recall_preset(struct wall_control *control, int number,
			  enum wall_transition_kind transition, int64_t duration_ms,
			  struct wall_request *request)
{
	struct user_preset *saved = g_hash_table_lookup(control->presets, GINT_TO_POINTER(number));
	if (saved != NULL) {
		char *why = NULL;
		bool ok = apply_state(control, saved->json, transition, duration_ms, &why);
		if (!ok) {
			fail(request, "not-found", "preset %d cannot be shown: %s", number, why);
		}
		g_free(why);
		if (!ok) {
			return false;
		}
	} else {
		const struct wall_layout_scene *scene =
			wall_layout_find_preset(control->layout, number);
		if (scene == NULL) {
			return fail(request, "not-found", "no preset %d; try LIST PRESETS", number);
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
	set_int(out, "preset", command->number);
	set_string(out, "scene", scene_name(control));
	set_string(out, "transition", wall_transition_name(transition));
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
	preset->json = wall_state_json(control);
	control->preset = saved_preset;
	g_hash_table_replace(control->presets, GINT_TO_POINTER(command->number), preset);
	/* Written to disk by the control thread, before the reply goes out. */
	request->save_preset = command->number;
	g_free(request->save_preset_name);
	g_free(request->save_preset_json);
	request->save_preset_name = g_strdup(preset->name);
	request->save_preset_json = g_strdup(preset->json);
	set_int(out, "preset", command->number);
	set_string(out, "name", preset->name);
	set_string(out, "scene", scene_name(control));
	return true;
}

static bool do_preset_delete(struct wall_control *control, const struct wall_command *command,
			     struct wall_request *request, JsonBuilder *out)
{
	if (!g_hash_table_remove(control->presets, GINT_TO_POINTER(command->number))) {
		const char *hint = wall_layout_find_preset(control->layout, command->number) != NULL
					   ? "; presets of the layout file change with the file"
					   : "";
		return fail(request, "not-found", "no saved preset %d%s", command->number, hint);
	}
	request->delete_preset = command->number;
	set_int(out, "preset", command->number);
	set_bool(out, "deleted", true);
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
	fail(request, "not-found", "scene %s has no tile \"%s\" (tiles: %s)", scene->name, id,
	     ids->str);
	g_string_free(ids, TRUE);
	return false;
}

static const struct wall_layout_source *want_source(struct wall_control *control,
						    struct wall_request *request, const char *name)
{
	const struct wall_layout_source *source = wall_layout_find_source(control->layout, name);
	if (source == NULL) {
		fail(request, "not-found", "no source \"%s\"; try LIST SOURCES", name);
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
	set_string(out, "tile", command->tile);
	set_string(out, "source", source != NULL ? source->name : NULL);
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
		return fail(request, "state", "tile \"%s\" has no tour", command->tile);
	case WALL_TOUR_RESULT_NO_TILE:
		return no_tile(control, request, command->tile);
	default:
		return fail(request, "internal", "unknown tour action");
	}
	set_string(out, "tile", command->tile);
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
		return fail(request, "not-found", "no scene has a tile \"%s\"", command->tile);
	}
	struct wall_alarm alarm = {
		.source = source,
		.tile_id = command->tile,
		.duration_ms = command->for_ms,
		.priority = command->priority,
	};
	int place = wall_compositor_alarm(control->compositor, &alarm, control->now_us);
	set_string(out, "source", source->name);
	set_int(out, "queued", place);
	return true;
}

static void list_presets(struct wall_control *control, JsonBuilder *out)
{
	json_builder_set_member_name(out, "presets");
	json_builder_begin_array(out);
	for (int n = 1; n <= 999; n++) {
		struct user_preset *saved = g_hash_table_lookup(control->presets, GINT_TO_POINTER(n));
		const struct wall_layout_scene *scene = wall_layout_find_preset(control->layout, n);
		if (saved == NULL && scene == NULL) {
			continue;
		}
		json_builder_begin_object(out);
		set_int(out, "number", n);
		set_bool(out, "saved", saved != NULL);
		if (saved != NULL) {
			set_string(out, "name", saved->name);
			JsonNode *state = json_from_string(saved->json, NULL);
			if (state != NULL && JSON_NODE_HOLDS_OBJECT(state)) {
				set_string(out, "scene",
					   json_object_get_string_member_with_default(
						   json_node_get_object(state), "scene", NULL));
			}
			if (state != NULL) {
				json_node_unref(state);
			}
		} else {
			set_string(out, "name", NULL);
			set_string(out, "scene", scene->name);
		}
		json_builder_end_object(out);
	}
	json_builder_end_array(out);
}

static bool do_list(struct wall_control *control, const struct wall_command *command,
		    struct wall_request *request, JsonBuilder *out)
{
	const struct wall_layout *layout = control->layout;
	switch (command->list) {
	case WALL_LIST_SCENES:
		json_builder_set_member_name(out, "scenes");
		json_builder_begin_array(out);
		for (guint i = 0; i < layout->scenes->len; i++) {
			const struct wall_layout_scene *scene = layout->scenes->pdata[i];
			json_builder_begin_object(out);
			set_string(out, "name", scene->name);
			set_int(out, "tiles", scene->tiles->len);
			set_bool(out, "current", scene == wall_compositor_get_scene(control->compositor));
			set_bool(out, "start", scene == layout->start_scene);
			json_builder_end_object(out);
		}
		json_builder_end_array(out);
		return true;
	case WALL_LIST_PRESETS:
		list_presets(control, out);
		return true;
	case WALL_LIST_SOURCES:
		json_builder_set_member_name(out, "sources");
		json_builder_begin_array(out);
		for (guint i = 0; i < layout->sources->len; i++) {
			const struct wall_layout_source *source = layout->sources->pdata[i];
			json_builder_begin_object(out);
			set_string(out, "name", source->name);
			set_string(out, "plugin", source->plugin);
			set_string(out, "label", source->label);
			json_builder_end_object(out);
		}
		json_builder_end_array(out);
		return true;
	case WALL_LIST_TILES:
		set_string(out, "scene", scene_name(control));
		wall_compositor_describe(control->compositor, out, control->now_us);
		return true;
	default:
		return fail(request, "usage", "LIST SCENES|PRESETS|SOURCES|TILES");
	}
}

static bool do_status(struct wall_control *control, JsonBuilder *out)
{
	set_string(out, "scene", scene_name(control));
	json_builder_set_member_name(out, "preset");
	if (control->preset != 0) {
		json_builder_add_int_value(out, control->preset);
	} else {
		json_builder_add_null_value(out);
	}
	set_bool(out, "transition", wall_compositor_in_transition(control->compositor));
	set_string(out, "layout", control->layout->path);
	set_string(out, "renderer", control->renderer->impl->name);
	set_int(out, "canvas_width_px", control->layout->canvas_width_px);
	set_int(out, "canvas_height_px", control->layout->canvas_height_px);
	wall_compositor_describe(control->compositor, out, control->now_us);
	return true;
}

static bool do_reload(struct wall_control *control, struct wall_request *request,
		      JsonBuilder *out)
{
	struct wall_layout *layout = request->layout;
	if (layout == NULL) {
		return fail(request, "internal", "no layout came with RELOAD");
	}
	if (layout->canvas_width_px != control->layout->canvas_width_px ||
	    layout->canvas_height_px != control->layout->canvas_height_px) {
		return fail(request, "layout",
			    "%s: the canvas changed from %dx%d to %dx%d; restart the wall for that",
			    layout->path, control->layout->canvas_width_px,
			    control->layout->canvas_height_px, layout->canvas_width_px,
			    layout->canvas_height_px);
	}
	request->layout = NULL;
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
	set_string(out, "layout", layout->path);
	set_string(out, "scene", scene->name);
	set_int(out, "scenes", layout->scenes->len);
	set_int(out, "sources", layout->sources->len);
	return true;
}

static bool apply_one(struct wall_control *control, const struct wall_command *command,
		      struct wall_request *request, JsonBuilder *out)
{
	switch (command->kind) {
	case WALL_COMMAND_SCENE:
		return do_scene(control, command, request, out);
	case WALL_COMMAND_PRESET:
		return do_preset(control, command, request, out);
	case WALL_COMMAND_PRESET_SAVE:
		return do_preset_save(control, command, request, out);
	case WALL_COMMAND_PRESET_DELETE:
		return do_preset_delete(control, command, request, out);
	case WALL_COMMAND_TILE_SOURCE:
	case WALL_COMMAND_TILE_RESET:
		return do_tile(control, command, request, out);
	case WALL_COMMAND_TOUR:
		return do_tour(control, command, request, out);
	case WALL_COMMAND_ALARM:
		return do_alarm(control, command, request, out);
	case WALL_COMMAND_ALARM_CLEAR:
		set_int(out, "cleared", wall_compositor_alarm_clear(control->compositor));
		return true;
	case WALL_COMMAND_LIST:
		return do_list(control, command, request, out);
	case WALL_COMMAND_STATUS:
		return do_status(control, out);
	case WALL_COMMAND_SCREENSHOT:
		/* Taken once this frame is drawn, so it shows what was just applied. */
		g_free(request->screenshot_path);
		request->screenshot_path = g_strdup(command->name);
		return true;
	case WALL_COMMAND_RELOAD:
		return do_reload(control, request, out);
	default:
		return fail(request, "internal", "command %d does not run on the render thread",
			    (int)command->kind);
	}
}

/*
 * Apply a request: one command, or a batch in order. A batch stops at its
 * first failing command; the ones before it stay applied, on this frame.
 */
static void apply_request(struct wall_control *control, struct wall_request *request)
{
	request->frame = control->frame;
	JsonBuilder *out = json_builder_new();
	json_builder_begin_object(out);
	set_int(out, "frame", (int64_t)control->frame);
	bool ok = true;
	if (request->count == 1) {
		ok = apply_one(control, &request->commands[0], request, out);
	} else {
		set_int(out, "commands", request->count);
		for (guint i = 0; i < request->count && ok; i++) {
			JsonBuilder *inner = json_builder_new();
			json_builder_begin_object(inner);
			ok = apply_one(control, &request->commands[i], request, inner);
			g_object_unref(inner);
			if (!ok) {
				char *message = g_strdup_printf(
					"batch command %u of %u: %s%s", i + 1, request->count,
					request->err_message,
					i > 0 ? " (the commands before it were applied)" : "");
				g_free(request->err_message);
				request->err_message = message;
			}
		}
	}
	json_builder_end_object(out);
	request->ok = ok;
	if (ok) {
		request->json = builder_text(out);
	} else {
		g_object_unref(out);
	}
	if (ok && request->screenshot_path != NULL) {
		g_ptr_array_add(control->screenshots, request);
	} else {
		g_ptr_array_add(control->answered, request);
	}
}

void wall_control_begin_frame(struct wall_control *control, uint64_t frame, int64_t now_us)
{
	control->frame = frame;
	control->now_us = now_us;
	struct wall_request *request;
	/* Never waits: a frame takes only what is there already. */
	while ((request = g_async_queue_try_pop(control->inbox)) != NULL) {
		apply_request(control, request);
	}
}

void wall_control_key(struct wall_control *control, const char *line, const char *peer,
                      int64_t now_us)
{
	control->now_us = now_us;
	/* A request like a socket's, with nobody to answer: the control
	 * thread audits it with its peer, and logs it when it fails. */
	struct wall_request *request = g_new0(struct wall_request, 1);
	request->commands = g_new0(struct wall_command, 1);
	request->count = 1;
	request->text = g_strdup(line);
	request->peer = g_strdup(peer);
	GError *error = NULL;
	bool parsed = wall_protocol_parse(line, strlen(line), request->commands, &error);
	enum wall_command_kind kind = request->commands[0].kind;
	if (parsed && wall_command_needs_frame(kind) && kind != WALL_COMMAND_RELOAD) {
		apply_request(control, request);
		return;
	}
	if (!parsed) {
		fail(request, wall_protocol_error_word(error->code), "%s", error->message);
		g_error_free(error);
	} else {
		fail(request, "usage", "a key cannot run %s", line);
	}
	request->frame = control->frame;
	g_ptr_array_add(control->answered, request);
}

static void scene_event(struct wall_control *control)
{
	JsonBuilder *builder = json_builder_new();
	json_builder_begin_object(builder);
	set_string(builder, "event", "scene");
	set_string(builder, "scene", scene_name(control));
	json_builder_set_member_name(builder, "preset");
	if (control->preset != 0) {
		json_builder_add_int_value(builder, control->preset);
	} else {
		json_builder_add_null_value(builder);
	}
	set_int(builder, "frame", (int64_t)control->frame);
	json_builder_end_object(builder);
	g_ptr_array_add(control->events, builder_text(builder));
}

void wall_control_end_frame(struct wall_control *control)
{
	while (control->screenshots->len > 0) {
		struct wall_request *request = g_ptr_array_steal_index(control->screenshots, 0);
		/* Only the copy happens here; the PNG is written on the control thread. */
		request->screenshot = control->renderer->impl->read_canvas(control->renderer);
		g_ptr_array_add(control->answered, request);
	}

	if (control->scene_changed) {
		scene_event(control);
	}
	GPtrArray *events = wall_compositor_take_events(control->compositor);
	for (guint i = 0; i < events->len; i++) {
		g_ptr_array_add(control->events, g_strdup(events->pdata[i]));
	}
	g_ptr_array_unref(events);

	if (control->answered->len == 0 && control->events->len == 0 && !control->state_changed) {
		return;
	}
	struct wall_frame_report *report = g_new0(struct wall_frame_report, 1);
	report->frame = control->frame;
	report->replies = control->answered;
	report->events = control->events;
	if (control->state_changed) {
		report->last_state = wall_state_json(control);
	}
	control->answered = g_ptr_array_new_with_free_func((GDestroyNotify)wall_request_free);
	control->events = g_ptr_array_new_with_free_func(g_free);
	control->state_changed = false;
	control->scene_changed = false;
	wall_server_report(control->server, report);
}
