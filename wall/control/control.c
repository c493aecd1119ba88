/* The render thread's side of control: the queue from the control thread, keys, and the frame
 * report. */
#include "control_private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json_write.h"
#include "log.h"
#include "metrics.h"
#include "screenshot.h"
#include "server.h"
#include "state.h"
#include "token.h"
#include "web_users.h"

static char *default_socket_path(void)
{
	return g_build_filename(g_get_user_runtime_dir(), "wall.sock", NULL);
}

static GPtrArray *new_answered(void)
{
	return g_ptr_array_new_with_free_func((GDestroyNotify)wall_request_free);
}

struct wall_control *wall_control_create(const struct wall_control_options *options,
                                         struct wall_layout *layout, GError **error)
{
	struct wall_control *control = g_new0(struct wall_control, 1);
	control->layout = layout;
	control->screenshot_dir_fd = -1;
	control->inbox = g_async_queue_new_full((GDestroyNotify)wall_request_free);
	control->answered = new_answered();
	char *token = NULL;
	char *socket_path = NULL;
	struct wall_web_users *web_users = NULL;

	char *state_path = options->state_path != NULL ? g_strdup(options->state_path)
	                                               : wall_state_default_path();
	char *layout_key = g_canonicalize_filename(layout->path, NULL);
	control->state = wall_state_open(state_path, layout_key, error);
	g_free(layout_key);
	control->screenshot_dir = options->screenshot_dir != NULL
	                                  ? g_strdup(options->screenshot_dir)
	                                  : wall_screenshot_default_dir(state_path);
	g_free(state_path);
	if (control->state == NULL) {
		goto err;
	}
	control->screenshot_dir_fd = wall_screenshot_dir_open(control->screenshot_dir, error);
	if (control->screenshot_dir_fd < 0) {
		goto err;
	}
	control_presets_load(control);

	if (options->token_file != NULL) {
		token = wall_token_read(options->token_file, error);
		if (token == NULL) {
			goto err;
		}
	}
	if (options->http != NULL) {
		web_users = wall_web_users_load(options->web_users_file, token, error);
		if (web_users == NULL) {
			goto err;
		}
	} else if (options->web_users_file != NULL) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
		            "--web-users is for the web remote: give --http HOST:PORT too");
		goto err;
	}
	socket_path = options->socket_path != NULL ? g_strdup(options->socket_path)
	                                           : default_socket_path();
	struct wall_server_options server_options = {
	        .socket_path = socket_path,
	        .socket_is_default = options->socket_path == NULL,
	        .listen = options->listen,
	        .http = options->http,
	        .cameras = options->cameras,
	        .web_users = g_steal_pointer(&web_users),
	        .token = token,
	        .insecure_loopback = options->listen_insecure_loopback,
	        .idle_s = options->idle_s,
	        .auth_timeout_s = options->auth_timeout_s,
	        .screenshot_dir_fd = control->screenshot_dir_fd,
	        .screenshot_dir = control->screenshot_dir,
	        .counters = &control->counters,
	        .layout_path = layout->path,
	        .node = layout->node != NULL ? layout->node->name : NULL,
	        .canvas_width_px = layout->canvas_width_px,
	        .canvas_height_px = layout->canvas_height_px,
	        .registry = options->registry,
	        .state = control->state,
	};
	control->server = wall_server_start(&server_options, control->inbox, error);
	if (control->server == NULL) {
		goto err;
	}
	control->frame_period_us = options->frame_period_us;
	if (!control_cluster_start(control, token, error)) {
		goto err;
	}
	wall_token_free(token);
	g_free(socket_path);
	return control;

err:
	wall_web_users_free(web_users);
	wall_token_free(token);
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
	control_cluster_stop(control);
	/* Nobody is left to answer: what is still queued just goes. */
	g_async_queue_unref(control->inbox);
	g_ptr_array_unref(control->answered);
	if (control->presets != NULL) {
		g_hash_table_destroy(control->presets);
	}
	wall_state_close(control->state);
	if (control->screenshot_dir_fd >= 0) {
		close(control->screenshot_dir_fd);
	}
	g_free(control->screenshot_dir);
	wall_layout_destroy(control->layout);
	g_free(control);
}

const struct wall_layout *wall_control_layout(struct wall_control *control)
{
	return control->layout;
}

bool wall_control_clustered(struct wall_control *control)
{
	return control != NULL && control->cluster != NULL;
}

const char *wall_control_socket_path(struct wall_control *control)
{
	return wall_server_socket_path(control->server);
}

const struct wall_layout_scene *wall_control_start(struct wall_control *control,
                                                   struct wall_compositor *compositor,
                                                   const struct wall_layout_scene *scene,
                                                   bool restore)
{
	control->compositor = compositor;
	control->now_us = g_get_monotonic_time();
	char *last = restore ? wall_state_get_last(control->state) : NULL;
	char *why = NULL;
	if (last != NULL && control_apply_state(control, last, WALL_TRANSITION_CUT, 0, &why)) {
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

void wall_control_begin_frame(struct wall_control *control, uint64_t frame, int64_t now_us)
{
	control->frame = frame;
	control->now_us = now_us;
	struct wall_request *request;
	/* Never waits: a frame takes only what is there already. */
	while ((request = g_async_queue_try_pop(control->inbox)) != NULL) {
		control_route_request(control, request);
	}
	control_cluster_begin_frame(control);
}

bool wall_control_submit_key(struct wall_control *control, const char *command, const char *peer,
                             int64_t now_us)
{
	control->now_us = now_us;
	GError *error = NULL;
	struct wall_request *request = wall_request_parse(command, peer, &error);
	if (request == NULL) {
		wall_warning("%s: \"%s\": %s", peer, command, error->message);
		g_error_free(error);
		return false;
	}
	enum wall_command_kind kind = request->commands[0].kind;
	if (kind == WALL_COMMAND_RELOAD || !wall_command_needs_frame(kind)) {
		/* Loading a layout and the control thread's own commands run there, as a socket
		 * line would. */
		wall_server_submit(control->server, request);
	} else {
		/* Lands on the frame about to be drawn (on every node's, for a wall of
		 * several machines): a key press shows at once. */
		control_route_request(control, request);
	}
	return true;
}

static char *scene_event(struct wall_control *control)
{
	JsonBuilder *builder = json_builder_new();
	json_builder_begin_object(builder);
	wall_json_set_string(builder, "event", "scene");
	wall_json_set_string(builder, "scene",
	                     wall_compositor_get_scene(control->compositor)->name);
	json_builder_set_member_name(builder, "preset");
	if (control->preset != 0) {
		json_builder_add_int_value(builder, control->preset);
	} else {
		json_builder_add_null_value(builder);
	}
	wall_json_set_int(builder, "frame", (int64_t)control->frame);
	json_builder_end_object(builder);
	return wall_json_finish(builder);
}

/* Screenshots asked for on this frame: one copy of the canvas, however many asked, shared by
 * all; the PNGs are written on the control thread. */
static void take_screenshots(struct wall_control *control)
{
	cairo_surface_t *canvas = NULL;
	for (guint i = 0; i < control->answered->len; i++) {
		struct wall_request *request = control->answered->pdata[i];
		for (guint j = 0; j < request->followups->len && request->ok; j++) {
			struct wall_followup *followup = request->followups->pdata[j];
			if (followup->kind != WALL_FOLLOWUP_SCREENSHOT || followup->picture != NULL) {
				continue;
			}
			if (canvas == NULL) {
				canvas = wall_compositor_read_canvas(control->compositor);
				wall_counter_add(&control->counters, WALL_COUNTER_CANVAS_READS, 1);
			}
			followup->picture = canvas != NULL ? cairo_surface_reference(canvas) : NULL;
		}
	}
	if (canvas != NULL) {
		cairo_surface_destroy(canvas);
	}
}

/*
 * The web remote's miniature, at most once a second: only the copy of the
 * canvas is made here (timed, for /metrics); scaling and encoding happen
 * off this thread.
 */
static cairo_surface_t *take_miniature(struct wall_control *control)
{
	if (!wall_server_miniature_wanted(control->server)) {
		return NULL;
	}
	int64_t start_us = g_get_monotonic_time();
	cairo_surface_t *canvas = wall_compositor_read_canvas(control->compositor);
	control->miniature_us += g_get_monotonic_time() - start_us;
	control->miniatures++;
	wall_metrics_set("web.miniatures", (double)control->miniatures);
	wall_metrics_set("web.miniature_read_ms", control->miniature_us / 1000.0);
	return canvas;
}

void wall_control_end_frame(struct wall_control *control)
{
	take_screenshots(control);
	cairo_surface_t *miniature = take_miniature(control);
	GPtrArray *events = wall_compositor_take_events(control->compositor);
	control_cluster_end_frame(control, events);
	if (control->answered->len == 0 && events->len == 0 && !control->state_changed &&
	    !control->scene_changed && miniature == NULL) {
		g_ptr_array_unref(events);
		return;
	}
	struct wall_frame_report *report = wall_frame_report_new(control->frame);
	/* On disk before anyone hears OK: a SIGKILL right after a reply
	 * still comes back on the scene that reply announced. */
	if (control->state_changed) {
		wall_frame_report_add(report, WALL_FOLLOWUP_SAVE_STATE)->json =
		        control_state_json(control);
	}
	for (guint i = 0; i < control->answered->len; i++) {
		wall_frame_report_add(report, WALL_FOLLOWUP_ANSWER)->request =
		        control->answered->pdata[i];
	}
	g_ptr_array_set_free_func(control->answered, NULL);
	g_ptr_array_unref(control->answered);
	control->answered = new_answered();
	if (control->scene_changed) {
		wall_frame_report_add(report, WALL_FOLLOWUP_EVENT)->json = scene_event(control);
	}
	for (guint i = 0; i < events->len; i++) {
		wall_frame_report_add(report, WALL_FOLLOWUP_EVENT)->json =
		        g_strdup(events->pdata[i]);
	}
	g_ptr_array_unref(events);
	if (miniature != NULL) {
		wall_frame_report_add(report, WALL_FOLLOWUP_MINIATURE)->picture = miniature;
	}
	control->state_changed = false;
	control->scene_changed = false;
	wall_server_report(control->server, report);
}
