#include "wall.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "backend/backend.h"
#include "cluster/cluster.h"
#include "compositor.h"
#include "control/http.h"
#include "health.h"
#include "inspection/inspection.h"
#include "control/control.h"
#include "layout.h"
#include "log.h"
#include "paths.h"
#include "plugin_registry.h"
#include "service.h"
#include "stats.h"

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int signal_number)
{
	stop_signal = signal_number;
}

static void install_signal_handlers(void)
{
	/* No SA_RESTART: a signal must cut the frame-pacing sleep short so
	 * the wall stops at once. */
	struct sigaction action = {.sa_handler = on_stop_signal};
	sigemptyset(&action.sa_mask);
	sigaction(SIGINT, &action, NULL);
	sigaction(SIGTERM, &action, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int report_plugin_errors(const struct wall_layout *layout)
{
	int errors = 0;
	for (guint i = 0; i < layout->sources->len; i++) {
		const struct wall_layout_source *source = layout->sources->pdata[i];
		if (source->plugin_error != NULL) {
			fprintf(stderr, "%s:%d:%d: source \"%s\": %s\n", layout->path,
				source->plugin_mark.line, source->plugin_mark.column,
				source->name, source->plugin_error);
			errors++;
		}
	}
	return errors;
}

static bool is_software_gl(const char *name)
{
	return name != NULL && (strstr(name, "llvmpipe") != NULL ||
				strstr(name, "softpipe") != NULL ||
				strstr(name, "Software Rasterizer") != NULL);
}

static struct wall_backend *create_backend(const char *name,
					   const struct wall_backend_options *options)
{
	if (strcmp(name, "sdl") == 0) {
		return wall_sdl_backend_create(options);
	}
	if (strcmp(name, "kms") == 0) {
		return wall_kms_backend_create(options);
	}
	return wall_headless_backend_create(options);
}

/* Open the output and the renderer that suits it; NULL when impossible. */
static struct wall_renderer *open_output(const struct wall_options *options,
					 const struct wall_backend_options *backend_options,
					 const char *backend_name, struct wall_backend **backend_out)
{
	const char *want = options->renderer;
	struct wall_backend *backend = create_backend(backend_name, backend_options);
	if (backend == NULL) {
		return NULL;
	}
	int32_t width = backend_options->canvas_width_px;
	int32_t height = backend_options->canvas_height_px;
	if (strcmp(want, "soft") != 0 && backend->impl->init(backend, WALL_RENDER_GL)) {
		bool software = is_software_gl(backend->gl_renderer_name);
		if (strcmp(want, "gl") == 0 || !software) {
			char *shader_dir = wall_paths_shader_dir();
			struct wall_renderer *renderer =
				wall_gl_renderer_create(width, height, shader_dir);
			g_free(shader_dir);
			if (renderer != NULL) {
				wall_info("renderer gl on %s (%s)", backend->impl->name,
					  backend->gl_renderer_name);
				*backend_out = backend;
				return renderer;
			}
			if (strcmp(want, "gl") == 0) {
				wall_backend_destroy(backend);
				return NULL;
			}
		} else {
			wall_info("renderer auto: GL is %s, a software rasterizer; using soft",
				  backend->gl_renderer_name);
		}
		/* Start again without GL: a GL context left current would cost
		 * memory and, on sdl, fight the window surface. */
		wall_backend_destroy(backend);
		backend = create_backend(backend_name, backend_options);
		if (backend == NULL) {
			return NULL;
		}
	} else if (strcmp(want, "gl") == 0) {
		wall_error("--renderer gl: no GL ES 3 context on %s", backend->impl->name);
		wall_backend_destroy(backend);
		return NULL;
	} else if (strcmp(want, "auto") == 0) {
		wall_info("renderer auto: no GL ES 3 context; using soft");
		wall_backend_destroy(backend);
		backend = create_backend(backend_name, backend_options);
		if (backend == NULL) {
			return NULL;
		}
	}
	if (!backend->impl->init(backend, WALL_RENDER_SOFT)) {
		wall_backend_destroy(backend);
		return NULL;
	}
	wall_info("renderer soft on %s", backend->impl->name);
	*backend_out = backend;
	return wall_soft_renderer_create(width, height);
}

static bool write_screenshot(struct wall_renderer *renderer, const char *path)
{
	cairo_surface_t *canvas = renderer->impl->read_canvas(renderer);
	cairo_status_t status = cairo_surface_write_to_png(canvas, path);
	cairo_surface_destroy(canvas);
	if (status != CAIRO_STATUS_SUCCESS) {
		wall_error("cannot write screenshot %s: %s", path, cairo_status_to_string(status));
		return false;
	}
	wall_info("screenshot written to %s", path);
	return true;
}

static void sleep_until(int64_t deadline_us)
{
	struct timespec ts = {
		.tv_sec = deadline_us / G_USEC_PER_SEC,
		.tv_nsec = (deadline_us % G_USEC_PER_SEC) * 1000,
	};
	/* g_get_monotonic_time() is CLOCK_MONOTONIC on Linux. EINTR means a
	 * stop signal: return and let the loop see it. */
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

struct frame_loop {
	struct wall_backend *backend;
	struct wall_renderer *renderer;
	struct wall_compositor *compositor;
	struct wall_stats *stats;
	/* NULL with --no-control. */
	struct wall_control *control;
	int64_t frame_limit;
	int64_t started_us;
	int64_t health_updated_us;
	struct wall_camera_health *cameras;
	struct wall_inspection *inspection;
	struct wall_health_figures health;
	struct wall_service service;
};

/* The camera figures change with camera states, which plugins report at
 * their own pace; once a second is as fresh as anyone reads them. */
static void update_health(struct frame_loop *loop, int64_t now_us, bool force)
{
	if (!force && now_us - loop->health_updated_us < G_USEC_PER_SEC) {
		return;
	}
	wall_health_update((now_us - loop->started_us) / (double)G_USEC_PER_SEC, &loop->health);
	/* Every camera of the layout counts, shown or not. */
	wall_compositor_observe_cameras(loop->compositor, loop->cameras, loop->inspection,
	                                g_get_real_time());
	wall_camera_health_apply(loop->cameras, &loop->health);
	wall_compositor_alarm_offline(loop->compositor, loop->cameras, now_us);
	wall_http_publish_stats(loop->stats);
	loop->health_updated_us = now_us;
}

/* A key runs its keys: binding, or a digit's preset; other keys do nothing. */
static void run_key(struct wall_control *control, const struct wall_key *key, int64_t now_us)
{
	char *command = wall_layout_key_command(wall_control_layout(control), key->code);
	if (command == NULL) {
		wall_debug("key %s from %s: not bound", wall_key_name(key->code), key->peer);
		return;
	}
	wall_info("key %s from %s: %s", wall_key_name(key->code), key->peer, command);
	wall_control_submit_key(control, command, key->peer, now_us);
	g_free(command);
}

/* A reload that swapped the layout in may map the outputs anew. */
static void relayout(struct wall_backend *backend, const struct wall_layout *layout)
{
	/* The old layout is freed only after the new one exists, so a new
	 * layout never has the address of the one it replaced. */
	if (layout == backend->options.layout) {
		return;
	}
	backend->options.layout = layout;
	if (backend->impl->relayout != NULL) {
		backend->impl->relayout(backend, layout);
	}
}

static void run_frames(struct frame_loop *loop)
{
	struct wall_backend *backend = loop->backend;
	double refresh_hz = backend->refresh_hz > 0 ? backend->refresh_hz : 60.0;
	int64_t period_us = (int64_t)(G_USEC_PER_SEC / refresh_hz);
	/* Set by the first present: see below. */
	int64_t deadline_us = 0;
	int64_t last_present_us = 0;
	bool aligned = !backend->has_vsync && wall_control_clustered(loop->control);

	while (stop_signal == 0) {
		if (!backend->impl->dispatch(backend)) {
			wall_info("window closed");
			break;
		}
		int64_t start_us = g_get_monotonic_time();
		/*
		 * The frame's time: its slot on the shared clock when the nodes of
		 * a wall keep one beat, so that deadlines and held pictures fall
		 * due on the same frame everywhere, whatever each woke late by.
		 */
		int64_t frame_us = start_us;
		if (aligned && deadline_us != 0 && start_us - deadline_us < period_us / 2) {
			frame_us = deadline_us;
		}
		if (loop->control != NULL) {
			/* Commands land on the frame about to be drawn. */
			uint64_t frame = wall_stats_frames(loop->stats) + 1;
			wall_control_begin_frame(loop->control, frame, frame_us);
			relayout(backend, wall_control_layout(loop->control));
			struct wall_key key;
			while (backend->impl->take_key != NULL &&
			       backend->impl->take_key(backend, &key)) {
				run_key(loop->control, &key, start_us);
			}
		}
		wall_compositor_render(loop->compositor, frame_us);
		wall_compositor_feed_inspection(loop->compositor, loop->inspection, frame_us);
		int64_t rendered_us = g_get_monotonic_time();
		backend->impl->present(backend, loop->renderer);
		int64_t presented_us = g_get_monotonic_time();
		wall_stats_presented(loop->stats, presented_us);
		wall_service_frame(&loop->service, presented_us);
		if (loop->control != NULL) {
			wall_control_end_frame(loop->control);
		}

		bool late;
		if (deadline_us == 0) {
			/*
			 * The cadence starts with the first picture. It had no
			 * slot to miss, and it carries the wall's one-off start-up
			 * work (fonts for the slates, the canvas, plugins starting
			 * beside it), which would otherwise count it late.
			 */
			late = false;
			deadline_us = presented_us + period_us;
		} else if (backend->has_vsync) {
			/* A swap that took more than one and a half refreshes
			 * since the last one skipped a vertical blank. */
			late = last_present_us != 0 &&
			       presented_us - last_present_us > period_us * 3 / 2;
		} else {
			late = presented_us > deadline_us;
		}
		last_present_us = presented_us;
		wall_stats_add_frame(loop->stats, (rendered_us - start_us) / 1000.0, late);
		update_health(loop, presented_us, false);
		if (loop->frame_limit > 0 &&
		    wall_stats_frames(loop->stats) >= (uint64_t)loop->frame_limit) {
			break;
		}
		if (aligned) {
			/* The nodes of one wall start their frames on the same
			 * slots of the shared clock, so a deadline falls between
			 * the same two frames everywhere. */
			deadline_us = wall_cluster_next_slot_mono_us(presented_us, period_us);
			sleep_until(deadline_us);
		} else if (!backend->has_vsync) {
			if (presented_us > deadline_us + period_us) {
				/* Far behind: start a new cadence rather than
				 * rushing frames out to catch up. */
				deadline_us = presented_us + period_us;
			} else {
				sleep_until(deadline_us);
				deadline_us += period_us;
			}
		}
	}
	if (stop_signal != 0) {
		wall_info("stopping on signal %d", (int)stop_signal);
	}
	wall_service_stopping(&loop->service);
}

static const struct wall_layout_scene *pick_scene(const struct wall_layout *layout,
						  const char *name)
{
	if (name == NULL) {
		return layout->start_scene;
	}
	const struct wall_layout_scene *scene = wall_layout_find_scene(layout, name);
	if (scene == NULL) {
		GString *names = g_string_new(NULL);
		for (guint i = 0; i < layout->scenes->len; i++) {
			const struct wall_layout_scene *s = layout->scenes->pdata[i];
			g_string_append_printf(names, "%s%s", i > 0 ? ", " : "", s->name);
		}
		wall_error("--scene %s: %s has no such scene (it has: %s)", name, layout->path,
			   names->str);
		g_string_free(names, TRUE);
	}
	return scene;
}

int wall_run(const struct wall_options *options)
{
	int status = WALL_EXIT_OK;
	wall_log_set_level(options->quiet     ? WALL_LOG_ERROR
			   : options->verbose ? WALL_LOG_DEBUG
					      : WALL_LOG_INFO);

	char **plugin_dirs = wall_paths_plugin_dirs(options->plugin_path);
	struct wall_plugin_registry *registry =
		wall_plugin_registry_create((const char *const *)plugin_dirs);
	g_strfreev(plugin_dirs);

	GError *error = NULL;
	struct wall_layout *layout = wall_layout_load(options->layout_path,
						      wall_plugin_registry_options, registry,
						      &error);
	if (layout == NULL) {
		fprintf(stderr, "%s\n", error->message);
		g_error_free(error);
		status = WALL_EXIT_BAD_LAYOUT;
		goto out_registry;
	}
	if (options->node != NULL && !wall_layout_focus_node(layout, options->node, &error)) {
		fprintf(stderr, "%s\n", error->message);
		g_error_free(error);
		status = WALL_EXIT_USAGE;
		goto out_layout;
	}
	if (options->check) {
		int errors = report_plugin_errors(layout);
		status = errors > 0 ? WALL_EXIT_BAD_LAYOUT : WALL_EXIT_OK;
		if (errors == 0 && !options->quiet) {
			printf("%s: ok (%u sources, %u scenes)\n", layout->path,
			       layout->sources->len, layout->scenes->len);
		}
		goto out_layout;
	}
	const struct wall_layout_scene *scene = pick_scene(layout, options->start_scene);
	if (scene == NULL) {
		status = WALL_EXIT_USAGE;
		goto out_layout;
	}

	/* Borrowed once the control owns the layout. */
	const struct wall_layout *shown = layout;
	struct wall_control *control = NULL;
	/* Every camera's health; kept in the state file unless --no-control. */
	struct wall_camera_health *cameras =
		wall_camera_health_open(options->state_path, layout->path, !options->no_control);
	if (!options->no_control) {
		struct wall_control_options control_options = {
			.socket_path = options->control_path,
			.listen = options->listen,
			.token_file = options->token_file,
			.web_users_file = options->web_users_file,
			.listen_insecure_loopback = options->listen_insecure_loopback,
			.auth_timeout_s = options->auth_timeout_s,
			.screenshot_dir = options->screenshot_dir,
			.state_path = options->state_path,
			.http = options->http,
			.cameras = cameras,
			.registry = registry,
			.frame_period_us = (int64_t)(G_USEC_PER_SEC / (options->fps > 0 ? options->fps : 60.0)),
		};
		control = wall_control_create(&control_options, layout, &error);
		if (control == NULL) {
			fprintf(stderr, "wall: %s\n", error->message);
			g_error_free(error);
			status = WALL_EXIT_USAGE;
			goto out_control;
		}
		/* The control owns the layout now: a reload replaces it. */
		layout = NULL;
	}

	const char *backend_name = options->backend;
	if (backend_name == NULL) {
		const char *why;
		if (wall_sdl_display_available()) {
			backend_name = "sdl";
			why = "a display is available";
		} else if (wall_kms_available()) {
			backend_name = "kms";
			why = "no display server, but a monitor on a display card";
		} else {
			backend_name = "headless";
			why = "no display found";
		}
		wall_info("backend %s (%s)", backend_name, why);
	}
	struct wall_backend_options backend_options = {
		.canvas_width_px = shown->canvas_width_px,
		.canvas_height_px = shown->canvas_height_px,
		.fullscreen = options->fullscreen,
		.display_index = options->display_index,
		.fps = options->fps,
		.layout = shown,
	};
	struct wall_backend *backend = NULL;
	struct wall_renderer *renderer =
		open_output(options, &backend_options, backend_name, &backend);
	if (renderer == NULL) {
		status = WALL_EXIT_NO_OUTPUT;
		goto out_control;
	}
	wall_kms_backend_attach(backend, renderer);

	install_signal_handlers();
	struct wall_stats *stats = wall_stats_create();
	struct wall_compositor *compositor = wall_compositor_create(renderer, registry, stats);
	if (control != NULL) {
		/* Without --scene, come back to what showed before a restart. */
		scene = wall_control_start(control, compositor, scene,
					   options->start_scene == NULL);
		shown = wall_control_layout(control);
	} else {
		wall_compositor_set_scene(compositor, layout, scene);
	}
	wall_info("showing %s, scene %s, on a %dx%d canvas", shown->path, scene->name,
		  shown->canvas_width_px, shown->canvas_height_px);

	struct frame_loop loop = {
		.backend = backend,
		.renderer = renderer,
		.compositor = compositor,
		.stats = stats,
		.control = control,
		.frame_limit = options->frames,
		.started_us = g_get_monotonic_time(),
		.cameras = cameras,
		.inspection = wall_inspection_new(cameras, registry),
	};
	wall_service_init(&loop.service);
	run_frames(&loop);

	if (options->screenshot_path != NULL && !write_screenshot(renderer, options->screenshot_path)) {
		status = WALL_EXIT_NO_OUTPUT;
	}
	if (options->stats) {
		wall_stats_print(stats, stdout);
		update_health(&loop, g_get_monotonic_time(), true);
		wall_health_print(&loop.health, stdout);
	}
	/* The control thread goes first: nothing may reach the compositor after. */
	wall_control_destroy(control);
	control = NULL;
	wall_inspection_destroy(loop.inspection);
		wall_compositor_destroy(compositor);
	wall_stats_destroy(stats);
	wall_renderer_destroy(renderer);
	wall_backend_destroy(backend);
out_control:
	wall_control_destroy(control);
	/* After the control thread, whose HTTP server reads it. */
	wall_camera_health_destroy(cameras);
out_layout:
	wall_layout_destroy(layout);
out_registry:
	wall_plugin_registry_destroy(registry);
	return status;
}
