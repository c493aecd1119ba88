#include "inspection.h"

#include <string.h>

#include "inspection/thumbnail.h"
#include "inspection/visit.h"
#include "log.h"
#include "source.h"
#include "worker.h"

/* How often a visit takes a picture: 16 in a 4 s visit, enough for frozen's
 * 10 in a row, and pictures far enough apart that a moving scene moves. */
#define SAMPLE_MS 250

/* A camera of the layout. Under lock. */
struct target {
	char *name;
	/* What the visit opens: the layout's source, sub stream first. */
	struct wall_layout_source *config;
	/* The layout's source as text, to see when a reload changed it. */
	char *fingerprint;
	bool running;
	bool online;
	char *reason;
	bool seen;
	bool visiting;
	int64_t due_us;
};

/* A visit under way. Only the worker's thread touches it, but for fed,
 * last_seq, due_us and fps, under lock, which the render thread fills. */
struct run {
	char *name;
	bool live;
	struct wall_source *source;
	struct wall_visit *visit;
	int64_t started_us;
	int64_t first_us;
	uint64_t pushed_first;
	GPtrArray *fed;
	uint64_t last_seq;
	int64_t due_us;
	double fps;
	bool ended;
	/* Ended with nothing to say: not recorded, visited again soon. */
	bool abandoned;
	char *reason;
};

struct wall_inspection {
	GMutex lock;
	struct wall_inspection_config config;
	GHashTable *targets;
	/* struct target *, in layout order. */
	GPtrArray *order;
	GPtrArray *runs;
	gint live_runs;
	guint visits;
	struct wall_camera_health *health;
	struct wall_plugin_registry *registry;
	struct wall_worker *worker;
	GSource *timer;
};

static void free_source_config(struct wall_layout_source *config)
{
	if (config != NULL) {
		wall_layout_source_clear(config);
		g_free(config);
	}
}

/*
 * The source a visit opens: the layout's, with the sub stream (option
 * sub) in place of the main one (option url) when it has one, since a
 * sub stream costs a fraction to decode and shows the same faults.
 */
static struct wall_layout_source *visit_config(const struct wall_layout_source *from)
{
	struct wall_layout_source *config = g_new0(struct wall_layout_source, 1);
	wall_layout_source_copy(config, from);
	g_clear_pointer(&config->district, g_free);
	g_clear_pointer(&config->town, g_free);
	config->probe = true;
	const struct wall_layout_option *sub = wall_layout_source_option(from, "sub");
	if (sub == NULL || sub->value[0] == '\0') {
		return config;
	}
	for (guint i = config->options->len; i-- > 0;) {
		struct wall_layout_option *option = config->options->pdata[i];
		if (strcmp(option->name, "sub") == 0) {
			g_ptr_array_remove_index(config->options, i);
		} else if (strcmp(option->name, "url") == 0) {
			g_free(option->value);
			option->value = g_strdup(sub->value);
		}
	}
	return config;
}

static char *fingerprint(const struct wall_layout_source *config)
{
	GString *text = g_string_new(config->plugin);
	g_string_append_printf(text, "\n%d", config->isolate);
	for (guint i = 0; config->options != NULL && i < config->options->len; i++) {
		const struct wall_layout_option *option = config->options->pdata[i];
		g_string_append_printf(text, "\n%s=%s", option->name, option->value);
	}
	return g_string_free(text, FALSE);
}

static void target_free(void *data)
{
	struct target *target = data;
	free_source_config(target->config);
	g_free(target->fingerprint);
	g_free(target->reason);
	g_free(target->name);
	g_free(target);
}

static void run_free(struct run *run)
{
	wall_source_destroy(run->source);
	wall_visit_free(run->visit);
	g_ptr_array_unref(run->fed);
	g_free(run->reason);
	g_free(run->name);
	g_free(run);
}

struct status_figures {
	double bitrate_kbps;
	double reconnects;
};

static void read_status(void *user, const char *key, const char *value)
{
	struct status_figures *figures = user;
	char *end = NULL;
	double number = g_ascii_strtod(value, &end);
	if (end == value || *end != '\0') {
		return;
	}
	if (strcmp(key, "bitrate_kbps") == 0) {
		figures->bitrate_kbps = number;
	} else if (strcmp(key, "reconnects") == 0) {
		figures->reconnects = number;
	}
}

void wall_inspection_status_figures(struct wall_source *source, double *bitrate_kbps,
                                    double *reconnects)
{
	struct status_figures figures = {-1, -1};
	wall_source_status(source, read_status, &figures);
	*bitrate_kbps = figures.bitrate_kbps;
	*reconnects = figures.reconnects;
}

/* The visit is over: judge it, keep the thumbnail, tell the health, close. */
static void finish(struct wall_inspection *inspection, struct run *run, int64_t now_us)
{
	struct wall_visit_result result;
	if (run->first_us > 0 && now_us > run->first_us) {
		g_mutex_lock(&inspection->lock);
		double fps = run->fps;
		g_mutex_unlock(&inspection->lock);
		if (run->source != NULL) {
			uint64_t pushed = 0, dropped = 0;
			wall_source_get_counts(run->source, &pushed, &dropped);
			fps = (double)(pushed - run->pushed_first) * G_USEC_PER_SEC /
			      (double)(now_us - run->first_us);
		}
		if (fps >= 0) {
			wall_visit_set_fps(run->visit, fps);
		}
	}
	wall_visit_finish(run->visit, &result);
	struct status_figures figures = {-1, -1};
	if (run->source != NULL) {
		wall_inspection_status_figures(run->source, &figures.bitrate_kbps,
		                               &figures.reconnects);
	}
	const struct wall_frame_ref *picture = wall_visit_picture(run->visit);
	GBytes *thumbnail = result.failed != 0 && picture != NULL
	                            ? wall_thumbnail_png(&picture->frame, WALL_THUMBNAIL_WIDTH_PX)
	                            : NULL;
	bool signal = result.pictures > 0;
	struct wall_camera_visit visit = {
	        .source = run->name,
	        .state = signal ? WALL_CAMERA_ONLINE : WALL_CAMERA_OFFLINE,
	        .reason = signal ? "inspected" : run->reason,
	        .time_us = g_get_real_time(),
	        .result = &result,
	        .thumbnail = thumbnail,
	        .fps = (result.judged >> WALL_CHECK_FRAME_RATE) & 1
	                       ? result.score[WALL_CHECK_FRAME_RATE]
	                       : -1,
	        .bitrate_kbps = figures.bitrate_kbps,
	        .reconnects = figures.reconnects,
	};
	wall_camera_health_visited(inspection->health, &visit);
	if (thumbnail != NULL) {
		g_bytes_unref(thumbnail);
	}
	wall_debug("inspection: %s: %d pictures (%s), failed 0x%x", run->name, result.pictures,
	           run->live ? "live pictures" : "opened", result.failed);

	g_mutex_lock(&inspection->lock);
	struct target *target = g_hash_table_lookup(inspection->targets, run->name);
	if (target != NULL) {
		target->visiting = false;
		target->due_us = run->started_us + inspection->config.every_ms * 1000;
	}
	g_ptr_array_remove(inspection->runs, run);
	if (run->live) {
		g_atomic_int_add(&inspection->live_runs, -1);
	}
	inspection->visits++;
	g_mutex_unlock(&inspection->lock);
	run_free(run);
}

static void abandon(struct wall_inspection *inspection, struct run *run, int64_t now_us)
{
	g_mutex_lock(&inspection->lock);
	struct target *target = g_hash_table_lookup(inspection->targets, run->name);
	if (target != NULL) {
		target->visiting = false;
		target->due_us = now_us + G_USEC_PER_SEC;
	}
	g_ptr_array_remove(inspection->runs, run);
	if (run->live) {
		g_atomic_int_add(&inspection->live_runs, -1);
	}
	g_mutex_unlock(&inspection->lock);
	run_free(run);
}

static void end_with(struct run *run, const char *reason)
{
	run->ended = true;
	g_free(run->reason);
	run->reason = g_strdup(reason != NULL && reason[0] != '\0' ? reason : "no signal");
}

/* One visit of a camera opened for it: take its newest picture, watch its state. */
static void advance_opened(struct wall_inspection *inspection, struct run *run, int64_t now_us)
{
	struct wall_frame_ref *picture = wall_source_take_frame(run->source);
	if (picture != NULL) {
		if (run->first_us == 0) {
			uint64_t dropped = 0;
			run->first_us = now_us;
			wall_source_get_counts(run->source, &run->pushed_first, &dropped);
		}
		wall_visit_add(run->visit, picture);
	}
	if (run->first_us == 0) {
		struct wall_source_health health;
		wall_source_get_health(run->source, &health);
		if (health.state == WALL_SOURCE_STATE_OFFLINE ||
		    health.state == WALL_SOURCE_STATE_ERROR) {
			end_with(run, health.reason);
		}
		g_free(health.reason);
	}
	(void)inspection;
}

/* One visit of a running camera: the pictures the render thread handed over. */
static void advance_live(struct wall_inspection *inspection, struct run *run, int64_t now_us)
{
	g_mutex_lock(&inspection->lock);
	GPtrArray *fed = run->fed;
	run->fed = g_ptr_array_new_with_free_func((GDestroyNotify)wall_frame_ref_unref);
	const struct target *target = g_hash_table_lookup(inspection->targets, run->name);
	bool running = target != NULL && target->running;
	g_mutex_unlock(&inspection->lock);
	for (guint i = 0; i < fed->len; i++) {
		if (run->first_us == 0) {
			run->first_us = now_us;
		}
		wall_visit_add(run->visit, fed->pdata[i]);
	}
	/* The visit took the references. */
	g_ptr_array_set_free_func(fed, NULL);
	g_ptr_array_unref(fed);
	/* Taken off the wall mid-visit: judge what came, or visit it again soon. */
	if (!running) {
		run->ended = true;
		run->abandoned = run->first_us == 0;
	}
}

/* Start the visits that are due, up to the concurrency. */
static void start_due(struct wall_inspection *inspection, int64_t now_us)
{
	GPtrArray *opening = g_ptr_array_new();
	g_mutex_lock(&inspection->lock);
	const struct wall_inspection_config *config = &inspection->config;
	for (guint i = 0; config->enabled && i < inspection->order->len &&
	                  inspection->runs->len < (guint)config->concurrency;
	     i++) {
		struct target *target = inspection->order->pdata[i];
		if (target->visiting || target->due_us > now_us) {
			continue;
		}
		struct run *run = g_new0(struct run, 1);
		run->name = g_strdup(target->name);
		/* A camera the wall runs is never opened twice: even one still
		 * connecting is waited for, up to open_timeout. */
		run->live = target->running;
		run->visit = wall_visit_new(&config->thresholds);
		run->started_us = now_us;
		run->fed = g_ptr_array_new_with_free_func((GDestroyNotify)wall_frame_ref_unref);
		run->fps = -1;
		target->visiting = true;
		g_ptr_array_add(inspection->runs, run);
		if (run->live) {
			g_atomic_int_inc(&inspection->live_runs);
		} else {
			g_ptr_array_add(opening, run);
			g_ptr_array_add(opening, visit_config(target->config));
		}
	}
	g_mutex_unlock(&inspection->lock);
	/* Opening starts the plugin's own thread; it never waits on the network. */
	for (guint i = 0; i < opening->len; i += 2) {
		struct run *run = opening->pdata[i];
		struct wall_layout_source *source_config = opening->pdata[i + 1];
		run->source = wall_source_create(source_config, inspection->registry);
		wall_source_set_visible(run->source, true);
		free_source_config(source_config);
	}
	g_ptr_array_unref(opening);
}

/* No picture in time: the plugin's own reason says more, when it has one. */
static char *timeout_reason(struct wall_inspection *inspection, struct run *run, int64_t timeout_us)
{
	char *why = NULL;
	if (run->source != NULL) {
		struct wall_source_health health;
		wall_source_get_health(run->source, &health);
		why = health.state != WALL_SOURCE_STATE_CONNECTING ? g_steal_pointer(&health.reason)
		                                                   : NULL;
		g_free(health.reason);
	} else {
		g_mutex_lock(&inspection->lock);
		const struct target *target = g_hash_table_lookup(inspection->targets, run->name);
		why = target != NULL && !target->online ? g_strdup(target->reason) : NULL;
		g_mutex_unlock(&inspection->lock);
	}
	char *reason =
	        why != NULL && why[0] != '\0'
	                ? g_strdup_printf("no picture within %.0f s: %s", timeout_us / 1e6, why)
	                : g_strdup_printf("no picture within %.0f s", timeout_us / 1e6);
	g_free(why);
	return reason;
}

static gboolean on_tick(gpointer data)
{
	struct wall_inspection *inspection = data;
	int64_t now_us = g_get_monotonic_time();
	start_due(inspection, now_us);
	g_mutex_lock(&inspection->lock);
	GPtrArray *runs = g_ptr_array_copy(inspection->runs, NULL, NULL);
	int64_t visit_us = inspection->config.visit_ms * 1000;
	int64_t timeout_us = inspection->config.open_timeout_ms * 1000;
	g_mutex_unlock(&inspection->lock);
	for (guint i = 0; i < runs->len; i++) {
		struct run *run = runs->pdata[i];
		if (run->live) {
			advance_live(inspection, run, now_us);
		} else {
			advance_opened(inspection, run, now_us);
		}
		if (run->first_us == 0 && !run->ended && now_us - run->started_us >= timeout_us) {
			char *reason = timeout_reason(inspection, run, timeout_us);
			end_with(run, reason);
			g_free(reason);
		}
		if (run->abandoned) {
			abandon(inspection, run, now_us);
		} else if (run->ended ||
		           (run->first_us > 0 && now_us - run->first_us >= visit_us)) {
			finish(inspection, run, now_us);
		}
	}
	g_ptr_array_unref(runs);
	return G_SOURCE_CONTINUE;
}

struct wall_inspection *wall_inspection_new(struct wall_camera_health *health,
                                            struct wall_plugin_registry *registry)
{
	struct wall_inspection *inspection = g_new0(struct wall_inspection, 1);
	g_mutex_init(&inspection->lock);
	inspection->config = wall_inspection_config_default();
	inspection->targets = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, target_free);
	inspection->order = g_ptr_array_new();
	inspection->runs = g_ptr_array_new();
	inspection->health = health;
	inspection->registry = registry;
	inspection->worker = wall_worker_new();
	wall_worker_start(inspection->worker, "wall-inspection", NULL, NULL, NULL);
	inspection->timer =
	        wall_worker_post(inspection->worker, on_tick, inspection, SAMPLE_MS, true);
	return inspection;
}

void wall_inspection_destroy(struct wall_inspection *inspection)
{
	if (inspection == NULL) {
		return;
	}
	g_source_destroy(inspection->timer);
	g_source_unref(inspection->timer);
	wall_worker_stop(inspection->worker);
	for (guint i = 0; i < inspection->runs->len; i++) {
		run_free(inspection->runs->pdata[i]);
	}
	g_ptr_array_unref(inspection->runs);
	g_ptr_array_unref(inspection->order);
	g_hash_table_unref(inspection->targets);
	g_mutex_clear(&inspection->lock);
	g_free(inspection);
}

void wall_inspection_begin(struct wall_inspection *inspection,
                           const struct wall_inspection_config *config)
{
	g_mutex_lock(&inspection->lock);
	inspection->config = *config;
	g_ptr_array_set_size(inspection->order, 0);
	GHashTableIter iter;
	void *value;
	g_hash_table_iter_init(&iter, inspection->targets);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		((struct target *)value)->seen = false;
	}
	g_mutex_unlock(&inspection->lock);
	/* Visits judge the live pictures themselves; the health keeps the span. */
	wall_camera_health_set_live_checks(inspection->health, !config->enabled);
	wall_camera_health_set_keep(inspection->health, config->keep_ms);
}

void wall_inspection_see(struct wall_inspection *inspection,
                         const struct wall_layout_source *config, bool running, bool online,
                         const char *reason)
{
	char *print = fingerprint(config);
	g_mutex_lock(&inspection->lock);
	struct target *target = g_hash_table_lookup(inspection->targets, config->name);
	if (target == NULL) {
		target = g_new0(struct target, 1);
		target->name = g_strdup(config->name);
		g_hash_table_insert(inspection->targets, target->name, target);
	}
	if (g_strcmp0(target->fingerprint, print) != 0) {
		free_source_config(target->config);
		target->config = visit_config(config);
		g_free(target->fingerprint);
		target->fingerprint = g_steal_pointer(&print);
	}
	if (!target->seen) {
		target->seen = true;
		g_ptr_array_add(inspection->order, target);
	}
	target->running = running;
	target->online = online;
	if (g_strcmp0(target->reason, reason) != 0) {
		g_free(target->reason);
		target->reason = g_strdup(reason);
	}
	g_mutex_unlock(&inspection->lock);
	g_free(print);
}

void wall_inspection_end(struct wall_inspection *inspection)
{
	g_mutex_lock(&inspection->lock);
	GHashTableIter iter;
	void *value;
	g_hash_table_iter_init(&iter, inspection->targets);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		/* A visit under way finds its camera gone when it ends. */
		if (!((struct target *)value)->seen) {
			g_hash_table_iter_remove(&iter);
		}
	}
	g_mutex_unlock(&inspection->lock);
}

bool wall_inspection_wants_live(struct wall_inspection *inspection)
{
	return g_atomic_int_get(&inspection->live_runs) > 0;
}

void wall_inspection_feed(struct wall_inspection *inspection, int64_t now_us,
                          wall_inspection_picture_fn picture, void *user)
{
	g_mutex_lock(&inspection->lock);
	for (guint i = 0; i < inspection->runs->len; i++) {
		struct run *run = inspection->runs->pdata[i];
		if (!run->live || now_us < run->due_us) {
			continue;
		}
		double fps = -1;
		struct wall_frame_ref *ref = picture(user, run->name, run->last_seq, &fps);
		if (ref != NULL) {
			run->last_seq = ref->seq;
			run->due_us = now_us + SAMPLE_MS * 1000;
			g_ptr_array_add(run->fed, ref);
		}
		run->fps = fps;
	}
	g_mutex_unlock(&inspection->lock);
}

unsigned wall_inspection_visits(struct wall_inspection *inspection)
{
	g_mutex_lock(&inspection->lock);
	unsigned visits = inspection->visits;
	g_mutex_unlock(&inspection->lock);
	return visits;
}
