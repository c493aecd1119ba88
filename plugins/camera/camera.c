/*
 * camera: live camera streams (RTSP, RTMP, HTTP-FLV, HLS, SRT, files)
 * decoded by GStreamer and handed to the wall without a copy.
 *
 * Each instance runs its own thread with its own GLib main context. That
 * thread owns every pipeline, the bus watches, the watchdog and the
 * reconnect timer, so nothing the network does can hold up the render
 * thread: create() only starts the thread, and the render-thread
 * callbacks only post work to it.
 *
 * Health. A source is CONNECTING until its first frame, then LIVE. A
 * watchdog looks at the age of the last frame, not at sockets: a stream
 * that stays connected but sends nothing turns STALLED after stall_ms, and
 * after another stall_ms it is dropped as OFFLINE "no video" and
 * reconnected. A stream that fails while a picture is on screen turns
 * STALLED at once (the tile dims its last picture) and OFFLINE once the
 * picture is stall_ms old; a brief network cut that heals within that
 * window never shows the offline slate. Reconnects run forever with
 * exponential backoff and jitter, from 1 s to 30 s.
 *
 * Main and sub stream. With sub set, a source whose largest tile is
 * shorter than sub_below pixels plays the sub stream. When the tile size
 * crosses that line, the other stream is started beside the current one,
 * whose frames keep coming until the new one delivers its first frame;
 * only then is the old one torn down, so the tile never goes black.
 *
 * Figures: "<source>.online" (1 while live, else 0) and
 * "<source>.online_s" (seconds live since start). The wall's online rate
 * over all cameras is the mean of the first; the online rate by time is
 * the sum of the second over cameras times the wall's uptime.
 */
#include <gio/gio.h>
#include <glib.h>
#include <gst/gst.h>
#include <string.h>
#include <wall/plugin.h>

#include "pipeline.h"

#define WATCHDOG_INTERVAL_MS 200
#define BACKOFF_FIRST_MS 1000
#define BACKOFF_MAX_MS 30000
/* A failed switch to the other stream is tried again after this long. */
#define SWITCH_RETRY_MS 10000
/* A connection attempt that shows no picture for this long has failed. */
#define CONNECT_TIMEOUT_MIN_MS 10000

enum stream_kind {
	STREAM_KIND_INVALID = 0,
	STREAM_KIND_MAIN,
	STREAM_KIND_SUB,
};

struct camera {
	const struct wall_host *host;
	struct wall_source *source;

	/* Options, read once at create(). */
	char *uris[3];
	/* The same, fit for logs and status. */
	char *shown_uris[3];
	char *user;
	char *password;
	enum transport transport;
	unsigned latency_ms;
	int64_t stall_ms;
	uint32_t sub_below_px;

	GMainContext *context;
	GMainLoop *loop;
	GThread *thread;

	/*
	 * Guards everything below. Streaming threads take it for each frame,
	 * the control thread for status, the render thread for the view size.
	 */
	GMutex lock;
	/* The stream on screen, and the one replacing it during a switch. */
	struct pipeline *current;
	enum stream_kind current_kind;
	struct pipeline *next;
	enum stream_kind next_kind;
	/* Pipelines replaced by a switch, to tear down on the camera's thread. */
	GPtrArray *retired;
	/* Monotonic time of the last frame pushed, 0 before the first. */
	int64_t last_frame_us;
	/* Written on the camera's thread only; read anywhere under the lock. */
	enum wall_source_state state;
	char *reason;
	/* A go-live is queued and not yet run. */
	bool live_queued;
	/* Tallest tile showing the source; 0 while the host has not said. */
	uint32_t view_height_px;
	unsigned reconnects;
	int64_t online_us;
	int64_t live_since_us;
	double fps;
	double bitrate_kbps;
	uint32_t width_px;
	uint32_t height_px;
	char *codec;
	char *decoder;

	/* The camera's thread only. */
	GSource *watchdog;
	GSource *retry;
	GSource *switch_retry;
	unsigned failures;
	int64_t attempt_start_us;
	/*
	 * The stream failed while its picture was on screen: the tile shows
	 * it stalled until it is stall_ms old, then offline with lost_reason.
	 */
	bool lost;
	char *lost_reason;
	/*
	 * While a failed connection is probed for a better reason: cancelled
	 * when the camera stops, and waited for before its thread ends.
	 */
	GCancellable *probe_cancel;
	/* The last failure logged at INFO level. */
	char *logged_reason;
	bool probing;
	char *probe_reason;
	/* For fps and bitrate: the counts at the last sample. */
	int64_t sample_us;
	uint64_t sample_frames;
	uint64_t sample_bytes;
	int64_t metric_published_us;
};

static const struct wall_option options[] = {
	{
		.name = "url",
		.type = WALL_OPTION_STRING,
		.help = "the main stream: rtsp://, rtmp://, http(s)://, srt:// or file://",
		.flags = WALL_OPTION_REQUIRED,
	},
	{
		.name = "sub",
		.type = WALL_OPTION_STRING,
		.help = "the sub stream, played while the tile is small",
	},
	{
		.name = "sub_below",
		.type = WALL_OPTION_INT,
		.default_value = "540",
		.min = 1,
		.max = 8640,
		.help = "tiles shorter than this many pixels play the sub stream",
	},
	{
		.name = "transport",
		.type = WALL_OPTION_ENUM,
		.default_value = "tcp",
		.choices = "tcp|udp|auto",
		.help = "RTSP transport: tcp (interleaved), udp, or auto (udp, then tcp)",
	},
	{
		.name = "latency_ms",
		.type = WALL_OPTION_INT,
		.default_value = "200",
		.min = 0,
		.max = 5000,
		.help = "jitter buffer, in milliseconds; later packets are dropped",
	},
	{
		.name = "stall_ms",
		.type = WALL_OPTION_INT,
		.default_value = "3000",
		.min = 200,
		.max = 600000,
		.help = "a picture this old (milliseconds) makes the tile stalled",
	},
	{
		.name = "user",
		.type = WALL_OPTION_STRING,
		.help = "user name for the stream",
	},
	{
		.name = "password",
		.type = WALL_OPTION_STRING,
		.help = "password for the stream",
		.flags = WALL_OPTION_SECRET,
	},
	{0},
};

static const char *kind_name(enum stream_kind kind)
{
	return kind == STREAM_KIND_SUB ? "sub" : "main";
}

/* Posting work to the camera's thread, from any thread. */

static void post(struct camera *camera, GSourceFunc fn, unsigned delay_ms, GSource **keep)
{
	GSource *source = delay_ms > 0 ? g_timeout_source_new(delay_ms) : g_idle_source_new();
	g_source_set_callback(source, fn, camera, NULL);
	g_source_attach(source, camera->context);
	if (keep != NULL) {
		*keep = source;
	} else {
		g_source_unref(source);
	}
}

static void cancel(GSource **source)
{
	if (*source != NULL) {
		g_source_destroy(*source);
		g_source_unref(*source);
		*source = NULL;
	}
}

/* State, on the camera's thread. */

static void change_state(struct camera *camera, enum wall_source_state state, const char *reason)
{
	int64_t now = g_get_monotonic_time();
	g_mutex_lock(&camera->lock);
	if (camera->state == state && g_strcmp0(camera->reason, reason) == 0) {
		g_mutex_unlock(&camera->lock);
		return;
	}
	enum wall_source_state from = camera->state;
	if (from == WALL_SOURCE_STATE_LIVE && state != WALL_SOURCE_STATE_LIVE) {
		camera->online_us += now - camera->live_since_us;
	} else if (from != WALL_SOURCE_STATE_LIVE && state == WALL_SOURCE_STATE_LIVE) {
		camera->live_since_us = now;
	}
	camera->state = state;
	g_free(camera->reason);
	camera->reason = g_strdup(reason);
	g_mutex_unlock(&camera->lock);

	camera->host->set_state(camera->source, state, reason);
	if ((from == WALL_SOURCE_STATE_LIVE) != (state == WALL_SOURCE_STATE_LIVE)) {
		camera->host->publish_metric(camera->source, "online",
					     state == WALL_SOURCE_STATE_LIVE ? 1.0 : 0.0);
	}
}

static enum stream_kind wanted_kind(struct camera *camera)
{
	g_mutex_lock(&camera->lock);
	uint32_t height = camera->view_height_px;
	g_mutex_unlock(&camera->lock);
	if (camera->uris[STREAM_KIND_SUB] == NULL || height == 0) {
		return STREAM_KIND_MAIN;
	}
	return height < camera->sub_below_px ? STREAM_KIND_SUB : STREAM_KIND_MAIN;
}

static void on_frame(void *user, struct pipeline *pipeline, const struct wall_frame *frame);
static gboolean on_switch_retry(gpointer user);
static void on_failed(void *user, struct pipeline *pipeline, const char *reason,
		      const char *detail);

static const struct pipeline_callbacks callbacks = {
	.frame = on_frame,
	.failed = on_failed,
};

static struct pipeline *start_pipeline(struct camera *camera, enum stream_kind kind)
{
	struct pipeline_config config = {
		.uri = camera->uris[kind],
		.user = camera->user,
		.password = camera->password,
		.transport = camera->transport,
		.latency_ms = camera->latency_ms,
	};
	char *error = NULL;
	struct pipeline *pipeline =
		pipeline_start(&config, camera->context, &callbacks, camera, &error);
	if (pipeline == NULL) {
		camera->host->log(camera->source, WALL_LOG_ERROR, "%s", error);
		g_free(error);
	}
	return pipeline;
}

static void schedule_retry(struct camera *camera);

static void connect_stream(struct camera *camera)
{
	enum stream_kind kind = wanted_kind(camera);
	camera->attempt_start_us = g_get_monotonic_time();
	camera->host->log(camera->source, WALL_LOG_DEBUG, "connecting to %s (%s stream)",
			  camera->shown_uris[kind], kind_name(kind));
	struct pipeline *pipeline = start_pipeline(camera, kind);
	if (pipeline == NULL) {
		change_state(camera, WALL_SOURCE_STATE_ERROR, "video support is not installed");
		schedule_retry(camera);
		return;
	}
	g_mutex_lock(&camera->lock);
	camera->current = pipeline;
	camera->current_kind = kind;
	g_mutex_unlock(&camera->lock);
}

static gboolean on_retry(gpointer user)
{
	struct camera *camera = user;
	g_source_unref(camera->retry);
	camera->retry = NULL;
	g_mutex_lock(&camera->lock);
	camera->reconnects++;
	g_mutex_unlock(&camera->lock);
	connect_stream(camera);
	return G_SOURCE_REMOVE;
}

static void schedule_retry(struct camera *camera)
{
	cancel(&camera->retry);
	/* 1 s, 2 s, 4 s ... 30 s, each spread by a quarter either way. */
	unsigned shift = MIN(camera->failures, 5u);
	double delay_ms = MIN((double)BACKOFF_FIRST_MS * (1u << shift), (double)BACKOFF_MAX_MS);
	delay_ms *= g_random_double_range(0.75, 1.25);
	delay_ms = CLAMP(delay_ms, BACKOFF_FIRST_MS * 0.75, (double)BACKOFF_MAX_MS);
	camera->failures++;
	post(camera, on_retry, (unsigned)delay_ms, &camera->retry);
}

/* Tears down every pipeline; the camera's thread only. */
static void drop_pipelines(struct camera *camera)
{
	g_mutex_lock(&camera->lock);
	struct pipeline *current = g_steal_pointer(&camera->current);
	struct pipeline *next = g_steal_pointer(&camera->next);
	GPtrArray *retired = camera->retired;
	camera->retired = g_ptr_array_new();
	g_mutex_unlock(&camera->lock);

	/* Unlocked: stopping waits for streaming threads that take the lock. */
	pipeline_destroy(current);
	pipeline_destroy(next);
	for (unsigned i = 0; i < retired->len; i++) {
		pipeline_destroy(g_ptr_array_index(retired, i));
	}
	g_ptr_array_free(retired, TRUE);
	cancel(&camera->switch_retry);
}

/* Says why the stream is gone, and tries again later. */
static void report_loss(struct camera *camera, const char *reason)
{
	g_mutex_lock(&camera->lock);
	int64_t age_us = g_get_monotonic_time() - camera->last_frame_us;
	bool picture = camera->last_frame_us != 0 &&
		       (camera->state == WALL_SOURCE_STATE_LIVE ||
			camera->state == WALL_SOURCE_STATE_STALLED);
	g_mutex_unlock(&camera->lock);

	g_mutex_lock(&camera->lock);
	g_free(camera->lost_reason);
	camera->lost_reason = g_strdup(reason);
	g_mutex_unlock(&camera->lock);
	if (picture && age_us < camera->stall_ms * 1000) {
		/* The last picture stays up, dimmed, until it is stall_ms old. */
		camera->lost = true;
		change_state(camera, WALL_SOURCE_STATE_STALLED, NULL);
	} else {
		camera->lost = false;
		change_state(camera, WALL_SOURCE_STATE_OFFLINE, reason);
	}
	schedule_retry(camera);
}

/* The reason GIO gives for a failed connect, in the user's words, or NULL. */
static const char *probe_reason_for(const GError *error)
{
	if (error->domain == G_RESOLVER_ERROR) {
		return "host not found";
	}
	if (error->domain != G_IO_ERROR) {
		return NULL;
	}
	switch (error->code) {
	case G_IO_ERROR_CONNECTION_REFUSED:
		return "connection refused";
	case G_IO_ERROR_TIMED_OUT:
		return "connection timed out";
	case G_IO_ERROR_HOST_UNREACHABLE:
	case G_IO_ERROR_NETWORK_UNREACHABLE:
		return "network unreachable";
	default:
		return NULL;
	}
}

static void on_probed(GObject *object, GAsyncResult *result, gpointer user)
{
	struct camera *camera = user;
	GError *error = NULL;
	GSocketConnection *connection =
		g_socket_client_connect_to_uri_finish(G_SOCKET_CLIENT(object), result, &error);
	camera->probing = false;
	char *reason = g_steal_pointer(&camera->probe_reason);
	if (connection != NULL) {
		g_object_unref(connection);
	} else if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
		/* The camera is stopping. */
		g_error_free(error);
		g_free(reason);
		return;
	} else if (probe_reason_for(error) != NULL) {
		g_free(reason);
		reason = g_strdup(probe_reason_for(error));
	}
	g_clear_error(&error);
	report_loss(camera, reason);
	g_free(reason);
}

/* The port a scheme uses when the address names none; 0 when unknown. */
static guint16 default_port(const char *uri)
{
	static const struct {
		const char *scheme;
		guint16 port;
	} ports[] = {
		{"rtsp", 554}, {"rtspt", 554}, {"rtsps", 322}, {"http", 80},
		{"https", 443}, {"rtmp", 1935}, {"rtmps", 443},
	};
	char *scheme = g_uri_parse_scheme(uri);
	guint16 port = 0;
	for (unsigned i = 0; scheme != NULL && i < G_N_ELEMENTS(ports); i++) {
		if (g_ascii_strcasecmp(scheme, ports[i].scheme) == 0) {
			port = ports[i].port;
		}
	}
	g_free(scheme);
	return port;
}

/*
 * The stream is gone: stop it, say why, and try again later. GStreamer
 * reports every failed connect alike ("Failed to connect"), so when a
 * connection never got an answer, a plain connect to the same address
 * first finds out whether the host is unknown or the port refused.
 */
static void lose_stream(struct camera *camera, const char *reason, bool probe)
{
	g_mutex_lock(&camera->lock);
	const char *uri = camera->uris[camera->current_kind != STREAM_KIND_INVALID
					       ? camera->current_kind
					       : STREAM_KIND_MAIN];
	g_mutex_unlock(&camera->lock);
	drop_pipelines(camera);
	guint16 port = default_port(uri);
	if (!probe || port == 0 || camera->probing) {
		report_loss(camera, reason);
		return;
	}
	camera->probing = true;
	camera->probe_reason = g_strdup(reason);
	GSocketClient *client = g_socket_client_new();
	g_socket_client_set_timeout(client, 5);
	g_socket_client_connect_to_uri_async(client, uri, port, camera->probe_cancel, on_probed,
					     camera);
	g_object_unref(client);
}

static void on_failed(void *user, struct pipeline *pipeline, const char *reason,
		      const char *detail)
{
	struct camera *camera = user;
	struct pipeline_info info = {0};
	pipeline_get_info(pipeline, &info);
	bool answered = info.answered;
	pipeline_info_clear(&info);
	g_mutex_lock(&camera->lock);
	bool is_current = pipeline == camera->current;
	bool is_next = pipeline == camera->next;
	enum stream_kind kind = is_next ? camera->next_kind : camera->current_kind;
	if (is_next) {
		camera->next = NULL;
	}
	g_mutex_unlock(&camera->lock);

	if (is_next) {
		/* The stream on screen carries on; the switch is tried later. */
		camera->host->log(camera->source, WALL_LOG_WARNING,
				  "cannot switch to the %s stream: %s; %s", kind_name(kind),
				  reason, detail);
		pipeline_destroy(pipeline);
		cancel(&camera->switch_retry);
		post(camera, on_switch_retry, SWITCH_RETRY_MS, &camera->switch_retry);
		return;
	}
	if (!is_current) {
		return;
	}
	/* A camera that keeps failing the same way is logged once. */
	bool same = g_strcmp0(camera->logged_reason, reason) == 0;
	g_free(camera->logged_reason);
	camera->logged_reason = g_strdup(reason);
	camera->host->log(camera->source, same ? WALL_LOG_DEBUG : WALL_LOG_INFO, "%s stream: %s; %s",
			  kind_name(kind), reason, detail);
	lose_stream(camera, reason, !answered && g_str_equal(reason, "connection lost"));
}

static gboolean go_live(gpointer user)
{
	struct camera *camera = user;
	g_mutex_lock(&camera->lock);
	camera->live_queued = false;
	bool fresh = camera->current != NULL &&
		     g_get_monotonic_time() - camera->last_frame_us < camera->stall_ms * 1000;
	g_mutex_unlock(&camera->lock);
	if (fresh) {
		camera->failures = 0;
		camera->lost = false;
		g_clear_pointer(&camera->logged_reason, g_free);
		cancel(&camera->retry);
		change_state(camera, WALL_SOURCE_STATE_LIVE, NULL);
	}
	return G_SOURCE_REMOVE;
}

static gboolean retire_pipelines(gpointer user)
{
	struct camera *camera = user;
	g_mutex_lock(&camera->lock);
	GPtrArray *retired = camera->retired;
	camera->retired = g_ptr_array_new();
	g_mutex_unlock(&camera->lock);
	for (unsigned i = 0; i < retired->len; i++) {
		pipeline_destroy(g_ptr_array_index(retired, i));
	}
	g_ptr_array_free(retired, TRUE);
	return G_SOURCE_REMOVE;
}

/* Streaming thread. */

static void on_frame(void *user, struct pipeline *pipeline, const struct wall_frame *frame)
{
	struct camera *camera = user;
	bool retire = false;
	bool queue_live = false;

	g_mutex_lock(&camera->lock);
	if (pipeline == camera->next) {
		/* The new stream delivers: it takes over, the old one goes. */
		if (camera->current != NULL) {
			g_ptr_array_add(camera->retired, camera->current);
			retire = true;
		}
		camera->current = camera->next;
		camera->current_kind = camera->next_kind;
		camera->next = NULL;
	}
	if (pipeline != camera->current) {
		g_mutex_unlock(&camera->lock);
		frame->release(frame->release_data);
		return;
	}
	camera->last_frame_us = g_get_monotonic_time();
	if (camera->state != WALL_SOURCE_STATE_LIVE && !camera->live_queued) {
		camera->live_queued = true;
		queue_live = true;
	}
	/*
	 * Pushed under the lock, so a frame of the old stream can never land
	 * after the first frame of the new one.
	 */
	camera->host->push_frame(camera->source, frame);
	g_mutex_unlock(&camera->lock);

	if (retire) {
		post(camera, retire_pipelines, 0, NULL);
	}
	if (queue_live) {
		post(camera, go_live, 0, NULL);
	}
}

/* Switching between main and sub, on the camera's thread. */

static gboolean reconsider_stream(gpointer user)
{
	struct camera *camera = user;
	enum stream_kind want = wanted_kind(camera);

	g_mutex_lock(&camera->lock);
	bool connected = camera->current != NULL;
	bool on_screen = connected && camera->last_frame_us != 0 &&
			 (camera->state == WALL_SOURCE_STATE_LIVE ||
			  camera->state == WALL_SOURCE_STATE_STALLED);
	enum stream_kind current_kind = camera->current_kind;
	struct pipeline *stale_next = NULL;
	bool start_next = false;
	if (connected && current_kind == want) {
		/* Back to where it was: a half-done switch is abandoned. */
		stale_next = g_steal_pointer(&camera->next);
	} else if (on_screen && camera->next == NULL) {
		start_next = true;
	}
	g_mutex_unlock(&camera->lock);

	pipeline_destroy(stale_next);
	if (!connected || current_kind == want) {
		/* When not connected, the next attempt picks the wanted stream. */
		return G_SOURCE_REMOVE;
	}
	if (!on_screen) {
		/* Nothing on screen to keep: connect to the right stream now. */
		drop_pipelines(camera);
		cancel(&camera->retry);
		connect_stream(camera);
		return G_SOURCE_REMOVE;
	}
	if (start_next) {
		camera->host->log(camera->source, WALL_LOG_INFO, "switching to the %s stream",
				  kind_name(want));
		struct pipeline *next = start_pipeline(camera, want);
		g_mutex_lock(&camera->lock);
		camera->next = next;
		camera->next_kind = want;
		g_mutex_unlock(&camera->lock);
	}
	return G_SOURCE_REMOVE;
}

static gboolean on_switch_retry(gpointer user)
{
	struct camera *camera = user;
	g_source_unref(camera->switch_retry);
	camera->switch_retry = NULL;
	return reconsider_stream(camera);
}

/* Watchdog, on the camera's thread. */

static void sample_figures(struct camera *camera, int64_t now)
{
	g_mutex_lock(&camera->lock);
	struct pipeline *current = camera->current;
	struct pipeline_info info = {0};
	if (current != NULL) {
		pipeline_get_info(current, &info);
	}
	g_mutex_unlock(&camera->lock);

	double elapsed_s = (double)(now - camera->sample_us) / G_USEC_PER_SEC;
	bool restart = info.frames < camera->sample_frames || info.bytes_in < camera->sample_bytes;
	double fps = 0;
	double kbps = 0;
	if (camera->sample_us != 0 && elapsed_s > 0 && !restart) {
		fps = (double)(info.frames - camera->sample_frames) / elapsed_s;
		kbps = (double)(info.bytes_in - camera->sample_bytes) * 8.0 / 1000.0 / elapsed_s;
	}
	camera->sample_us = now;
	camera->sample_frames = info.frames;
	camera->sample_bytes = info.bytes_in;

	g_mutex_lock(&camera->lock);
	camera->fps = fps;
	camera->bitrate_kbps = kbps;
	if (current != NULL && info.width_px != 0) {
		camera->width_px = info.width_px;
		camera->height_px = info.height_px;
	}
	if (info.codec != NULL) {
		g_free(camera->codec);
		camera->codec = g_steal_pointer(&info.codec);
	}
	if (info.decoder != NULL) {
		g_free(camera->decoder);
		camera->decoder = g_steal_pointer(&info.decoder);
	}
	int64_t online_us = camera->online_us;
	if (camera->state == WALL_SOURCE_STATE_LIVE) {
		online_us += now - camera->live_since_us;
	}
	g_mutex_unlock(&camera->lock);
	pipeline_info_clear(&info);

	camera->host->publish_metric(camera->source, "online_s", (double)online_us / 1e6);
}

static gboolean on_watchdog(gpointer user)
{
	struct camera *camera = user;
	int64_t now = g_get_monotonic_time();
	int64_t stall_us = camera->stall_ms * 1000;
	int64_t connect_timeout_us = MAX(CONNECT_TIMEOUT_MIN_MS, 2 * camera->stall_ms) * 1000;

	g_mutex_lock(&camera->lock);
	enum wall_source_state state = camera->state;
	int64_t last_frame_us = camera->last_frame_us;
	int64_t age_us = last_frame_us != 0 ? now - last_frame_us : G_MAXINT64;
	bool connected = camera->current != NULL;
	bool answered = false;
	if (connected) {
		struct pipeline_info info = {0};
		pipeline_get_info(camera->current, &info);
		answered = info.answered;
		pipeline_info_clear(&info);
	}
	g_mutex_unlock(&camera->lock);

	/*
	 * A frame that lands between the unlock and a change below finds the
	 * state not LIVE and queues go_live(), so no picture is missed.
	 */
	if (state == WALL_SOURCE_STATE_LIVE && age_us > stall_us) {
		/* Connected, yet no picture: the tile dims and counts the seconds. */
		change_state(camera, WALL_SOURCE_STATE_STALLED, NULL);
	} else if (state == WALL_SOURCE_STATE_STALLED && camera->lost && age_us > stall_us) {
		camera->lost = false;
		change_state(camera, WALL_SOURCE_STATE_OFFLINE,
			     camera->lost_reason != NULL ? camera->lost_reason : "connection lost");
	} else if (state == WALL_SOURCE_STATE_STALLED && !camera->lost && connected &&
		   age_us > 2 * stall_us && last_frame_us >= camera->attempt_start_us) {
		camera->host->log(camera->source, WALL_LOG_INFO,
				  "no picture for %.1f s; reconnecting", (double)age_us / 1e6);
		lose_stream(camera, "no video", false);
	} else if (connected && last_frame_us < camera->attempt_start_us &&
		   now - camera->attempt_start_us > connect_timeout_us) {
		/* This attempt has shown nothing at all. */
		lose_stream(camera, answered ? "no video" : "connection timed out", false);
	}

	if (now - camera->metric_published_us >= G_USEC_PER_SEC) {
		camera->metric_published_us = now;
		sample_figures(camera, now);
	}
	return G_SOURCE_CONTINUE;
}

/* The camera's thread. */

static gboolean start(gpointer user)
{
	struct camera *camera = user;
	/*
	 * GStreamer starts here, not in create(): loading its registry can take
	 * seconds on a cold cache, and the render thread must not wait for it.
	 */
	char *error = NULL;
	if (!pipeline_global_init(&error)) {
		camera->host->log(camera->source, WALL_LOG_ERROR, "%s", error);
		change_state(camera, WALL_SOURCE_STATE_ERROR, "video support is not installed");
		g_free(error);
		return G_SOURCE_REMOVE;
	}
	camera->host->publish_metric(camera->source, "online", 0.0);
	camera->host->publish_metric(camera->source, "online_s", 0.0);
	post(camera, on_watchdog, WATCHDOG_INTERVAL_MS, &camera->watchdog);
	connect_stream(camera);
	return G_SOURCE_REMOVE;
}

static gboolean stop(gpointer user)
{
	struct camera *camera = user;
	drop_pipelines(camera);
	cancel(&camera->watchdog);
	cancel(&camera->retry);
	g_cancellable_cancel(camera->probe_cancel);
	g_main_loop_quit(camera->loop);
	return G_SOURCE_REMOVE;
}

static gpointer thread_main(gpointer user)
{
	struct camera *camera = user;
	g_main_context_push_thread_default(camera->context);
	g_main_loop_run(camera->loop);
	/* A cancelled probe still reports once; its memory goes with it. */
	while (camera->probing) {
		g_main_context_iteration(camera->context, TRUE);
	}
	g_main_context_pop_thread_default(camera->context);
	return NULL;
}

/* Options. */

/*
 * Splits credentials out of a URI ("rtsp://admin:pw@host/..."), so they
 * travel in the source's properties and never in a logged URI. Fills
 * *user and *password only where they are still NULL.
 */
static char *take_credentials(const char *uri, char **user, char **password)
{
	GUri *parsed = g_uri_parse(uri, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED, NULL);
	if (parsed == NULL || g_uri_get_user(parsed) == NULL) {
		if (parsed != NULL) {
			g_uri_unref(parsed);
		}
		return g_strdup(uri);
	}
	if (*user == NULL) {
		*user = g_uri_unescape_string(g_uri_get_user(parsed), NULL);
	}
	if (*password == NULL && g_uri_get_password(parsed) != NULL) {
		*password = g_uri_unescape_string(g_uri_get_password(parsed), NULL);
	}
	GUri *bare = g_uri_build(g_uri_get_flags(parsed), g_uri_get_scheme(parsed), NULL,
				 g_uri_get_host(parsed), g_uri_get_port(parsed),
				 g_uri_get_path(parsed), g_uri_get_query(parsed),
				 g_uri_get_fragment(parsed));
	char *text = g_uri_to_string(bare);
	g_uri_unref(bare);
	g_uri_unref(parsed);
	return text;
}

static bool read_options(struct camera *camera)
{
	const struct wall_host *host = camera->host;
	struct wall_source *source = camera->source;
	const char *url = host->config_string(source, "url");
	if (url == NULL || *url == '\0') {
		host->log(source, WALL_LOG_ERROR, "no url set");
		return false;
	}
	if (!gst_uri_is_valid(url)) {
		char *shown = pipeline_scrub(url, NULL);
		host->log(source, WALL_LOG_ERROR, "not a stream address: %s", shown);
		g_free(shown);
		return false;
	}
	const char *user = host->config_string(source, "user");
	const char *password = host->config_string(source, "password");
	camera->user = user != NULL && *user != '\0' ? g_strdup(user) : NULL;
	camera->password = password != NULL && *password != '\0' ? g_strdup(password) : NULL;

	const char *sub = host->config_string(source, "sub");
	if (sub != NULL && *sub != '\0' && !gst_uri_is_valid(sub)) {
		char *shown = pipeline_scrub(sub, camera->password);
		host->log(source, WALL_LOG_ERROR, "sub is not a stream address: %s", shown);
		g_free(shown);
		return false;
	}
	camera->uris[STREAM_KIND_MAIN] = take_credentials(url, &camera->user, &camera->password);
	if (sub != NULL && *sub != '\0') {
		camera->uris[STREAM_KIND_SUB] =
			take_credentials(sub, &camera->user, &camera->password);
	}
	for (unsigned i = 0; i < G_N_ELEMENTS(camera->uris); i++) {
		camera->shown_uris[i] = pipeline_scrub(camera->uris[i], camera->password);
	}

	const char *transport = host->config_string(source, "transport");
	camera->transport = g_strcmp0(transport, "udp") == 0	  ? TRANSPORT_UDP
			    : g_strcmp0(transport, "auto") == 0 ? TRANSPORT_AUTO
								: TRANSPORT_TCP;
	camera->latency_ms = (unsigned)CLAMP(host->config_int(source, "latency_ms", 200), 0, 5000);
	camera->stall_ms = CLAMP(host->config_int(source, "stall_ms", 3000), 200, 600000);
	camera->sub_below_px = (uint32_t)CLAMP(host->config_int(source, "sub_below", 540), 1, 8640);
	return true;
}

/* Plugin callbacks. */

static void camera_free(struct camera *camera)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(camera->uris); i++) {
		g_free(camera->uris[i]);
		g_free(camera->shown_uris[i]);
	}
	g_free(camera->user);
	g_free(camera->password);
	g_free(camera->reason);
	g_free(camera->lost_reason);
	g_free(camera->probe_reason);
	g_free(camera->logged_reason);
	g_clear_object(&camera->probe_cancel);
	g_free(camera->codec);
	g_free(camera->decoder);
	if (camera->retired != NULL) {
		g_ptr_array_free(camera->retired, TRUE);
	}
	if (camera->loop != NULL) {
		g_main_loop_unref(camera->loop);
	}
	if (camera->context != NULL) {
		g_main_context_unref(camera->context);
	}
	g_mutex_clear(&camera->lock);
	g_free(camera);
}

static void *camera_create(const struct wall_host *host, struct wall_source *source)
{
	struct camera *camera = g_new0(struct camera, 1);
	camera->host = host;
	camera->source = source;
	g_mutex_init(&camera->lock);
	camera->state = WALL_SOURCE_STATE_CONNECTING;
	camera->retired = g_ptr_array_new();
	camera->probe_cancel = g_cancellable_new();
	if (!read_options(camera)) {
		goto fail;
	}

	camera->context = g_main_context_new();
	camera->loop = g_main_loop_new(camera->context, FALSE);
	post(camera, start, 0, NULL);
	char *thread_name = g_strdup_printf("camera %s", host->source_name(source));
	camera->thread = g_thread_new(thread_name, thread_main, camera);
	g_free(thread_name);
	return camera;

fail:
	camera_free(camera);
	return NULL;
}

static void camera_destroy(void *instance)
{
	struct camera *camera = instance;
	if (camera == NULL) {
		return;
	}
	post(camera, stop, 0, NULL);
	g_thread_join(camera->thread);
	camera_free(camera);
}

static void camera_set_view_size(void *instance, uint32_t width_px, uint32_t height_px)
{
	struct camera *camera = instance;
	if (camera->uris[STREAM_KIND_SUB] == NULL) {
		return;
	}
	g_mutex_lock(&camera->lock);
	camera->view_height_px = height_px;
	g_mutex_unlock(&camera->lock);
	post(camera, reconsider_stream, 0, NULL);
}

static const char *state_word(enum wall_source_state state)
{
	switch (state) {
	case WALL_SOURCE_STATE_CONNECTING:
		return "connecting";
	case WALL_SOURCE_STATE_LIVE:
		return "live";
	case WALL_SOURCE_STATE_STALLED:
		return "stalled";
	case WALL_SOURCE_STATE_OFFLINE:
		return "offline";
	case WALL_SOURCE_STATE_ERROR:
		return "error";
	default:
		return "unknown";
	}
}

static void add_number(wall_status_fn add, void *user, const char *key, const char *format,
		       double value)
{
	char text[G_ASCII_DTOSTR_BUF_SIZE];
	g_ascii_formatd(text, sizeof(text), format, value);
	add(user, key, text);
}

static void camera_status(void *instance, wall_status_fn add, void *user)
{
	struct camera *camera = instance;
	int64_t now = g_get_monotonic_time();
	g_mutex_lock(&camera->lock);
	enum wall_source_state state = camera->state;
	char *reason = g_strdup(camera->reason);
	enum stream_kind kind = camera->current_kind != STREAM_KIND_INVALID ? camera->current_kind
									    : STREAM_KIND_MAIN;
	char *codec = g_strdup(camera->codec);
	char *decoder = g_strdup(camera->decoder);
	char *resolution = camera->width_px != 0 ? g_strdup_printf("%ux%u", camera->width_px,
								   camera->height_px)
						 : NULL;
	double fps = camera->fps;
	double kbps = camera->bitrate_kbps;
	unsigned reconnects = camera->reconnects;
	int64_t last_frame_us = camera->last_frame_us;
	int64_t online_us = camera->online_us;
	if (state == WALL_SOURCE_STATE_LIVE) {
		online_us += now - camera->live_since_us;
	}
	g_mutex_unlock(&camera->lock);

	/* Every text here is free of credentials: shown_uris are scrubbed. */
	add(user, "camera_state", state_word(state));
	if (reason != NULL) {
		add(user, "camera_reason", reason);
	}
	add(user, "stream", kind_name(kind));
	add(user, "url", camera->shown_uris[kind]);
	add_number(add, user, "fps", "%.1f", fps);
	add(user, "resolution", resolution != NULL ? resolution : "-");
	add(user, "codec", codec != NULL ? codec : "-");
	add(user, "decoder", decoder != NULL ? decoder : "-");
	add_number(add, user, "bitrate_kbps", "%.0f", kbps);
	add_number(add, user, "reconnects", "%.0f", (double)reconnects);
	if (last_frame_us != 0) {
		add_number(add, user, "last_frame_age_ms", "%.0f",
			   (double)(now - last_frame_us) / 1000.0);
	} else {
		add(user, "last_frame_age_ms", "-");
	}
	add_number(add, user, "online_s", "%.1f", (double)online_us / 1e6);
	g_free(reason);
	g_free(codec);
	g_free(decoder);
	g_free(resolution);
}

static const struct wall_plugin plugin = {
	.abi_version = WALL_PLUGIN_ABI_VERSION,
	.struct_size = sizeof(struct wall_plugin),
	.name = "camera",
	.description = "a live camera stream (RTSP, RTMP, HTTP-FLV, HLS, SRT, file)",
	.options = options,
	.create = camera_create,
	.destroy = camera_destroy,
	.status = camera_status,
	.set_view_size = camera_set_view_size,
};

const struct wall_plugin *wall_plugin_entry(void)
{
	return &plugin;
}
