#include "camera_health.h"

#include <glib.h>

#include "control/state.h"
#include "log.h"
#include "metrics.h"
#include "source.h"
#include "worker.h"

/* How often the heartbeat is written and the rates recomputed. The wall's
 * downtime after a crash is counted from the last heartbeat, so this is
 * also how much of a crash may be counted as known time. */
#define TICK_MS 10000

struct camera {
	char *source;
	char *district;
	char *town;
	enum wall_camera_state state;
	char *reason;
	int64_t since_us;
	double fps;
	bool seen;
	bool running;
	double bitrate_kbps;
	double reconnects;
	/* The last inspection visit: what it found, for a camera that does not run. */
	bool visited;
	enum wall_camera_state visit_state;
	char *visit_reason;
	int64_t visit_since_us;
	double visit_fps;
	/* Picture checks: when last asked for, the result, and the luma
	 * thumbnail frozen compares against. */
	int64_t picture_us;
	int problems;
	int frozen_run;
	uint8_t *thumbnail;
};

struct transition {
	char *source;
	enum wall_camera_state state;
	int64_t time_us;
	char *reason;
};

struct picture_job {
	struct wall_camera_health *health;
	char *source;
	struct wall_frame_ref *picture;
};

static void job_free(void *data)
{
	struct picture_job *job = data;
	wall_frame_ref_unref(job->picture);
	g_free(job->source);
	g_free(job);
}

struct wall_camera_health {
	/* Guards cameras, order and pending. */
	GMutex lock;
	/* Source name -> struct camera *. */
	GHashTable *cameras;
	/* struct camera *, in the order the last round saw them. */
	GPtrArray *order;
	GPtrArray *pending;
	/* struct picture_job * posted and not yet run: freed at destroy when
	 * the thread stopped before them. */
	GPtrArray *jobs;
	/* Guards history: the worker's thread, or sync() and destroy(). */
	GMutex io_lock;
	struct wall_camera_history *history;
	struct wall_worker *worker;
	GSource *timer;
	/* Set from any thread, read on the worker's. */
	gint live_checks;
	/* Under lock. */
	int64_t keep_ms;
	int64_t pruned_us;
	/* struct visit_job * posted and not yet run, as jobs. */
	GPtrArray *visit_jobs;
};

static void camera_free(void *data)
{
	struct camera *camera = data;
	g_free(camera->source);
	g_free(camera->district);
	g_free(camera->town);
	g_free(camera->reason);
	g_free(camera->visit_reason);
	g_free(camera->thumbnail);
	g_free(camera);
}

struct visit_job {
	struct wall_camera_health *health;
	char *source;
	int64_t time_us;
	struct wall_visit_result result;
	GBytes *thumbnail;
};

static void visit_job_free(void *data)
{
	struct visit_job *job = data;
	if (job->thumbnail != NULL) {
		g_bytes_unref(job->thumbnail);
	}
	g_free(job->source);
	g_free(job);
}

static void transition_free(void *data)
{
	struct transition *transition = data;
	g_free(transition->source);
	g_free(transition->reason);
	g_free(transition);
}

/* Rates of one group over the current hour and day. */
struct group_tally {
	struct wall_camera_tally hour;
	struct wall_camera_tally day;
};

static void publish_rate(const char *prefix, const char *span,
                         const struct wall_camera_tally *tally)
{
	char *name = g_strdup_printf("%sonline_rate.%s", prefix, span);
	double rate;
	if (wall_camera_tally_rate(tally, &rate)) {
		wall_metrics_set(name, 100.0 * rate);
	} else {
		wall_metrics_remove(name);
	}
	g_free(name);
}

static void add_tally(GHashTable *groups, const char *prefix, const char *key,
                      const struct group_tally *one)
{
	if (key == NULL) {
		return;
	}
	char *name = g_strconcat(prefix, key, ".", NULL);
	struct group_tally *group = g_hash_table_lookup(groups, name);
	if (group == NULL) {
		group = g_new0(struct group_tally, 1);
		g_hash_table_insert(groups, g_strdup(name), group);
	}
	group->hour.online_s += one->hour.online_s;
	group->hour.offline_s += one->hour.offline_s;
	group->day.online_s += one->day.online_s;
	group->day.offline_s += one->day.offline_s;
	g_free(name);
}

/* Compute the rates of every camera and group from the history. io_lock held. */
static void publish_rates(struct wall_camera_health *health, int64_t now_us)
{
	int64_t hour_us, day_us, end_us;
	wall_camera_history_hour(now_us, &hour_us, &end_us);
	wall_camera_history_day(now_us, &day_us, &end_us);
	GPtrArray *cameras = g_ptr_array_new_with_free_func(camera_free);
	g_mutex_lock(&health->lock);
	for (guint i = 0; i < health->order->len; i++) {
		const struct camera *from = health->order->pdata[i];
		struct camera *copy = g_new0(struct camera, 1);
		copy->source = g_strdup(from->source);
		copy->district = g_strdup(from->district);
		copy->town = g_strdup(from->town);
		g_ptr_array_add(cameras, copy);
	}
	g_mutex_unlock(&health->lock);

	GHashTable *groups = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	for (guint i = 0; i < cameras->len; i++) {
		const struct camera *camera = cameras->pdata[i];
		struct group_tally one = {0};
		wall_camera_history_tally(health->history, camera->source, hour_us, now_us,
		                          &one.hour);
		wall_camera_history_tally(health->history, camera->source, day_us, now_us,
		                          &one.day);
		add_tally(groups, "inspection.", "", &one);
		add_tally(groups, "inspection.camera.", camera->source, &one);
		add_tally(groups, "inspection.district.", camera->district, &one);
		add_tally(groups, "inspection.town.", camera->town, &one);
	}
	GHashTableIter iter;
	void *key, *value;
	g_hash_table_iter_init(&iter, groups);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		const struct group_tally *group = value;
		/* "inspection.." is the whole wall: "inspection.online_rate.day". */
		const char *prefix = g_strcmp0(key, "inspection..") == 0 ? "inspection." : key;
		publish_rate(prefix, "hour", &group->hour);
		publish_rate(prefix, "day", &group->day);
	}
	g_hash_table_unref(groups);
	g_ptr_array_unref(cameras);
}

/* Once an hour, the history beyond the kept span goes. io_lock held. */
static void prune(struct wall_camera_health *health, int64_t now_us)
{
	g_mutex_lock(&health->lock);
	int64_t keep_ms = health->keep_ms;
	g_mutex_unlock(&health->lock);
	if (keep_ms <= 0 ||
	    (health->pruned_us != 0 && now_us - health->pruned_us < 3600LL * G_USEC_PER_SEC)) {
		return;
	}
	health->pruned_us = now_us;
	int64_t removed = wall_camera_history_prune(health->history, now_us - keep_ms * 1000);
	if (removed > 0) {
		wall_info("camera history: %" G_GINT64_FORMAT " rows older than %" G_GINT64_FORMAT
		          " days removed",
		          removed, keep_ms / (24 * 3600 * 1000));
	}
}

static void write_pending(struct wall_camera_health *health, bool rates)
{
	g_mutex_lock(&health->lock);
	GPtrArray *pending = health->pending;
	health->pending = g_ptr_array_new_with_free_func(transition_free);
	g_mutex_unlock(&health->lock);

	g_mutex_lock(&health->io_lock);
	for (guint i = 0; i < pending->len && health->history != NULL; i++) {
		const struct transition *transition = pending->pdata[i];
		wall_camera_history_record(health->history, transition->source, transition->state,
		                           transition->time_us, transition->reason);
	}
	if (rates && health->history != NULL) {
		int64_t now_us = g_get_real_time();
		wall_camera_history_heartbeat(health->history, now_us);
		publish_rates(health, now_us);
		prune(health, now_us);
	}
	g_mutex_unlock(&health->io_lock);
	g_ptr_array_unref(pending);
}

/* A change moves the rates: publish them at once rather than at the next tick. */
static gboolean on_flush(gpointer data)
{
	write_pending(data, true);
	return G_SOURCE_REMOVE;
}

static gboolean on_tick(gpointer data)
{
	write_pending(data, true);
	return G_SOURCE_CONTINUE;
}

struct wall_camera_health *wall_camera_health_new(struct wall_camera_history *history)
{
	struct wall_camera_health *health = g_new0(struct wall_camera_health, 1);
	g_mutex_init(&health->lock);
	g_mutex_init(&health->io_lock);
	health->cameras = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, camera_free);
	health->order = g_ptr_array_new();
	health->pending = g_ptr_array_new_with_free_func(transition_free);
	health->jobs = g_ptr_array_new();
	health->visit_jobs = g_ptr_array_new();
	health->history = history;
	health->live_checks = 1;
	health->keep_ms = 0;
	health->worker = wall_worker_new();
	wall_worker_start(health->worker, "wall-health", NULL, NULL, NULL);
	health->timer = wall_worker_post(health->worker, on_tick, health, TICK_MS, true);
	return health;
}

struct wall_camera_health *wall_camera_health_open(const char *state_path, const char *layout_path,
                                                   bool keep)
{
	struct wall_camera_history *history = NULL;
	if (keep) {
		char *path = state_path != NULL ? g_strdup(state_path) : wall_state_default_path();
		char *key = g_canonicalize_filename(layout_path, NULL);
		GError *error = NULL;
		history = wall_camera_history_open(path, key, &error);
		if (history != NULL && !wall_camera_history_begin_run(history, g_get_real_time())) {
			g_set_error(&error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: cannot write",
			            path);
			g_clear_pointer(&history, wall_camera_history_close);
		}
		if (history == NULL) {
			wall_warning("camera history not kept: %s", error->message);
			g_error_free(error);
		}
		g_free(key);
		g_free(path);
	}
	return wall_camera_health_new(history);
}

void wall_camera_health_destroy(struct wall_camera_health *health)
{
	if (health == NULL) {
		return;
	}
	g_source_destroy(health->timer);
	g_source_unref(health->timer);
	wall_worker_stop(health->worker);
	write_pending(health, false);
	if (health->history != NULL) {
		/* The wall stops now: from here its cameras are unknown. */
		wall_camera_history_heartbeat(health->history, g_get_real_time());
	}
	wall_camera_history_close(health->history);
	while (health->jobs->len > 0) {
		job_free(g_ptr_array_steal_index(health->jobs, 0));
	}
	g_ptr_array_unref(health->jobs);
	while (health->visit_jobs->len > 0) {
		visit_job_free(g_ptr_array_steal_index(health->visit_jobs, 0));
	}
	g_ptr_array_unref(health->visit_jobs);
	g_ptr_array_unref(health->pending);
	g_ptr_array_unref(health->order);
	g_hash_table_unref(health->cameras);
	g_mutex_clear(&health->io_lock);
	g_mutex_clear(&health->lock);
	g_free(health);
}

void wall_camera_health_begin(struct wall_camera_health *health)
{
	g_mutex_lock(&health->lock);
	g_ptr_array_set_size(health->order, 0);
	GHashTableIter iter;
	void *value;
	g_hash_table_iter_init(&iter, health->cameras);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		((struct camera *)value)->seen = false;
	}
	g_mutex_unlock(&health->lock);
}

static void replace(char **field, const char *value)
{
	if (g_strcmp0(*field, value) != 0) {
		g_free(*field);
		*field = g_strdup(value);
	}
}

static void mark_seen(struct wall_camera_health *health, struct camera *camera)
{
	if (!camera->seen) {
		camera->seen = true;
		g_ptr_array_add(health->order, camera);
	}
}

void wall_camera_health_see(struct wall_camera_health *health, const struct wall_camera_seen *seen)
{
	g_mutex_lock(&health->lock);
	struct camera *camera = g_hash_table_lookup(health->cameras, seen->source);
	if (camera != NULL) {
		camera->running = seen->running;
		camera->bitrate_kbps = seen->running ? seen->bitrate_kbps : camera->bitrate_kbps;
		camera->reconnects = seen->running ? seen->reconnects : camera->reconnects;
	}
	if (camera != NULL && seen->undecided) {
		mark_seen(health, camera);
		camera->fps = seen->fps;
		g_mutex_unlock(&health->lock);
		return;
	}
	struct wall_camera_seen visited;
	if (camera != NULL && !seen->running && camera->visited) {
		/* Not running: the last visit knows more than "not shown". */
		visited = *seen;
		visited.state = camera->visit_state;
		visited.reason = camera->visit_reason;
		visited.since_us = camera->visit_since_us;
		visited.fps = camera->visit_fps;
		seen = &visited;
	}
	enum wall_camera_state state = seen->undecided ? WALL_CAMERA_UNKNOWN : seen->state;
	bool changed = camera == NULL || camera->state != state;
	if (camera == NULL) {
		camera = g_new0(struct camera, 1);
		camera->source = g_strdup(seen->source);
		camera->problems = -1;
		camera->running = seen->running;
		camera->bitrate_kbps = seen->bitrate_kbps;
		camera->reconnects = seen->reconnects;
		g_hash_table_insert(health->cameras, camera->source, camera);
	}
	mark_seen(health, camera);
	camera->fps = seen->fps;
	replace(&camera->district, seen->district);
	replace(&camera->town, seen->town);
	if (changed) {
		camera->state = state;
		camera->since_us = seen->since_us;
		struct transition *transition = g_new0(struct transition, 1);
		transition->source = g_strdup(seen->source);
		transition->state = state;
		transition->time_us = seen->since_us;
		transition->reason = g_strdup(seen->reason);
		g_ptr_array_add(health->pending, transition);
	}
	/* The reason may say more while the state stays ("retrying in 4 s"). */
	replace(&camera->reason, seen->reason);
	g_mutex_unlock(&health->lock);
}

void wall_camera_health_end(struct wall_camera_health *health, int64_t now_us)
{
	(void)now_us;
	g_mutex_lock(&health->lock);
	GHashTableIter iter;
	void *value;
	g_hash_table_iter_init(&iter, health->cameras);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		if (!((struct camera *)value)->seen) {
			g_hash_table_iter_remove(&iter);
		}
	}
	bool pending = health->pending->len > 0;
	g_mutex_unlock(&health->lock);
	if (pending) {
		wall_worker_post(health->worker, on_flush, health, 0, false);
	}
}

void wall_camera_health_apply(struct wall_camera_health *health,
                              struct wall_health_figures *figures)
{
	int online = 0;
	g_mutex_lock(&health->lock);
	int total = (int)health->order->len;
	for (guint i = 0; i < health->order->len; i++) {
		const struct camera *camera = health->order->pdata[i];
		online += camera->state == WALL_CAMERA_ONLINE ? 1 : 0;
	}
	g_mutex_unlock(&health->lock);
	figures->cameras_total = total;
	figures->cameras_online = online;
	figures->online_rate = total > 0 ? 100.0 * online / total : 0;
	wall_metrics_set("health.cameras_total", total);
	wall_metrics_set("health.cameras_online", online);
	if (total > 0) {
		wall_metrics_set("health.online_rate", figures->online_rate);
	} else {
		wall_metrics_remove("health.online_rate");
	}
}

void wall_camera_health_foreach(struct wall_camera_health *health, wall_camera_health_fn fn,
                                void *user)
{
	g_mutex_lock(&health->lock);
	for (guint i = 0; i < health->order->len; i++) {
		const struct camera *camera = health->order->pdata[i];
		struct wall_camera_seen seen = {
		        .source = camera->source,
		        .district = camera->district,
		        .town = camera->town,
		        .state = camera->state,
		        .reason = camera->reason,
		        .since_us = camera->since_us,
		        .fps = camera->running || !camera->visited ? camera->fps
		                                                   : camera->visit_fps,
		        .problems = camera->problems,
		        .running = camera->running,
		        .bitrate_kbps = camera->bitrate_kbps,
		        .reconnects = camera->reconnects,
		};
		fn(user, &seen);
	}
	g_mutex_unlock(&health->lock);
}

const struct wall_camera_history *wall_camera_health_history(struct wall_camera_health *health)
{
	return health->history;
}

void wall_camera_health_sync(struct wall_camera_health *health)
{
	write_pending(health, true);
}

/* Frozen is judged on a small luma picture: enough to see motion, and
 * nothing of the frame is kept. */
#define THUMB_W 64
#define THUMB_H 36

bool wall_camera_health_wants_picture(struct wall_camera_health *health, const char *source,
                                      int64_t now_us)
{
	g_mutex_lock(&health->lock);
	struct camera *camera = g_hash_table_lookup(health->cameras, source);
	bool due = camera != NULL && g_atomic_int_get(&health->live_checks) &&
	           now_us - camera->picture_us >= G_USEC_PER_SEC;
	if (due) {
		camera->picture_us = now_us;
	}
	g_mutex_unlock(&health->lock);
	return due;
}

static void make_thumbnail(const struct wall_frame *frame, uint8_t *thumb)
{
	for (int y = 0; y < THUMB_H; y++) {
		size_t row_index = (size_t)(y * (int)frame->height_px / THUMB_H);
		const uint8_t *row = frame->planes[0] + row_index * frame->strides[0];
		for (int x = 0; x < THUMB_W; x++) {
			thumb[y * THUMB_W + x] = row[x * (int)frame->width_px / THUMB_W];
		}
	}
}

static gboolean on_picture(gpointer data)
{
	struct picture_job *job = data;
	g_mutex_lock(&job->health->lock);
	g_ptr_array_remove_fast(job->health->jobs, job);
	g_mutex_unlock(&job->health->lock);
	const struct wall_frame *frame = &job->picture->frame;
	struct wall_i420 picture = {
	        frame->planes[0],       frame->planes[1],       frame->planes[2],
	        (int)frame->strides[0], (int)frame->strides[1], (int)frame->strides[2],
	        (int)frame->width_px,   (int)frame->height_px,
	};
	struct wall_quality_figures figures;
	bool measured = wall_quality_measure(&picture, &figures);
	uint8_t *thumb = g_malloc(THUMB_W * THUMB_H);
	if (measured) {
		make_thumbnail(frame, thumb);
	}
	struct wall_quality_thresholds thresholds = wall_quality_default_thresholds();
	g_mutex_lock(&job->health->lock);
	struct camera *camera = g_hash_table_lookup(job->health->cameras, job->source);
	if (camera != NULL && measured) {
		unsigned problems = wall_quality_judge(&figures, &thresholds);
		double similarity = 0;
		if (camera->thumbnail != NULL) {
			struct wall_i420 before = {camera->thumbnail, NULL,   NULL, THUMB_W, 0, 0,
			                           THUMB_W,           THUMB_H};
			struct wall_i420 now = {thumb, NULL, NULL, THUMB_W, 0, 0, THUMB_W, THUMB_H};
			similarity = wall_quality_similarity(&before, &now);
		}
		if (wall_quality_frozen(&camera->frozen_run, similarity, &thresholds)) {
			problems |= 1u << WALL_CHECK_FROZEN;
		}
		camera->problems = (int)problems;
		g_free(camera->thumbnail);
		camera->thumbnail = g_steal_pointer(&thumb);
	}
	g_mutex_unlock(&job->health->lock);
	g_free(thumb);
	job_free(job);
	return G_SOURCE_REMOVE;
}

void wall_camera_health_check_picture(struct wall_camera_health *health, const char *source,
                                      struct wall_frame_ref *picture)
{
	if (picture->frame.format != WALL_PIXEL_FORMAT_I420) {
		wall_frame_ref_unref(picture);
		return;
	}
	struct picture_job *job = g_new0(struct picture_job, 1);
	job->health = health;
	job->source = g_strdup(source);
	job->picture = picture;
	g_mutex_lock(&health->lock);
	g_ptr_array_add(health->jobs, job);
	g_mutex_unlock(&health->lock);
	wall_worker_post(health->worker, on_picture, job, 0, false);
}

void wall_camera_health_set_live_checks(struct wall_camera_health *health, bool on)
{
	g_atomic_int_set(&health->live_checks, on ? 1 : 0);
}

void wall_camera_health_set_keep(struct wall_camera_health *health, int64_t keep_ms)
{
	g_mutex_lock(&health->lock);
	health->keep_ms = keep_ms;
	g_mutex_unlock(&health->lock);
}

/* One row per judged check, the thumbnail with each failed one. */
static gboolean on_visit(gpointer data)
{
	struct visit_job *job = data;
	struct wall_camera_health *health = job->health;
	g_mutex_lock(&health->lock);
	g_ptr_array_remove_fast(health->visit_jobs, job);
	g_mutex_unlock(&health->lock);
	g_mutex_lock(&health->io_lock);
	if (health->history != NULL) {
		wall_camera_history_batch(health->history, true);
		for (int check = 0; check < WALL_CHECK_COUNT; check++) {
			if (!((job->result.judged >> check) & 1)) {
				continue;
			}
			bool failed = (job->result.failed >> check) & 1;
			wall_camera_history_add_result(health->history, job->source, job->time_us,
			                               wall_quality_check_name(check),
			                               job->result.score[check],
			                               job->result.threshold[check], failed,
			                               failed ? job->thumbnail : NULL);
		}
		wall_camera_history_batch(health->history, false);
	}
	g_mutex_unlock(&health->io_lock);
	visit_job_free(job);
	return G_SOURCE_REMOVE;
}

void wall_camera_health_visited(struct wall_camera_health *health,
                                const struct wall_camera_visit *visit)
{
	g_mutex_lock(&health->lock);
	struct camera *camera = g_hash_table_lookup(health->cameras, visit->source);
	if (camera != NULL) {
		camera->problems = (int)visit->result->failed;
		if (!camera->visited || camera->visit_state != visit->state) {
			camera->visit_since_us = visit->time_us;
		}
		camera->visited = true;
		camera->visit_state = visit->state;
		replace(&camera->visit_reason, visit->reason);
		camera->visit_fps = visit->fps;
		if (!camera->running) {
			camera->bitrate_kbps = visit->bitrate_kbps;
			camera->reconnects = visit->reconnects;
		}
	}
	g_mutex_unlock(&health->lock);
	struct visit_job *job = g_new0(struct visit_job, 1);
	job->health = health;
	job->source = g_strdup(visit->source);
	job->time_us = visit->time_us;
	job->result = *visit->result;
	job->thumbnail = visit->thumbnail != NULL ? g_bytes_ref(visit->thumbnail) : NULL;
	g_mutex_lock(&health->lock);
	g_ptr_array_add(health->visit_jobs, job);
	g_mutex_unlock(&health->lock);
	wall_worker_post(health->worker, on_visit, job, 0, false);
}
