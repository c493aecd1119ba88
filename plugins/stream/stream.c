/*
 * The stream path shared by the video plugins (see stream.h): live
 * streams (RTSP, RTMP, HTTP-FLV, HLS, SRT, files) decoded by GStreamer
 * and handed to the wall without a copy.
 *
 * Each stream runs its own thread with its own GLib main context. That
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
 * Warm. A plugin that forwards hide() and show() here keeps a hidden
 * stream connected but lets only key frames reach the decoder: the
 * newest key frame waits in the host's mailbox, so a tile that starts
 * showing the source has a picture on its next frame, and full motion
 * from the next key frame. The watchdog still applies, so stall_ms must
 * exceed the stream's key-frame interval for a warm source to stay live.
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
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "pipeline.h"
#include "stream.h"
#include "worker.h"

#define WATCHDOG_INTERVAL_MS 200
#define BACKOFF_FIRST_MS 1000
#define BACKOFF_MAX_MS 30000
/* A stream live at least this long that ends is reconnected at once. */
#define ENDED_AT_ONCE_MIN_LIVE_US (2 * G_USEC_PER_SEC)
/* A failed switch to the other stream is tried again after this long. */
#define SWITCH_RETRY_MS 10000
/* A connection attempt that shows no picture for this long has failed. */
#define CONNECT_TIMEOUT_MIN_MS 10000
/* The heap is trimmed after a teardown at most this often, process-wide. */
#define TRIM_INTERVAL_US (10 * G_USEC_PER_SEC)

enum stream_kind {
	STREAM_KIND_INVALID = 0,
	STREAM_KIND_MAIN,
	STREAM_KIND_SUB,
};

struct stream {
	const struct wall_host *host;
	struct wall_source *source;

	struct stream_params params;
	char *url_option;
	char *status_prefix;
	/* Options, read once at create(). */
	char *uris[3];
	/* The same, fit for logs and status. */
	char *shown_uris[3];
	char *user;
	char *password;
	enum transport transport;
	/* The transport asked for now (atomic): the other one after a 461. */
	gint transport_now;
	unsigned latency_ms;
	bool keyframes_only;
	int64_t stall_ms;
	uint32_t sub_below_px;

	struct wall_worker *worker;

	/*
	 * Guards everything below. Streaming threads take it for each frame,
	 * the render thread for status and the view size.
	 */
	GMutex lock;
	/* The stream on screen, and the one replacing it during a switch. */
	struct pipeline *current;
	enum stream_kind current_kind;
	struct pipeline *next;
	enum stream_kind next_kind;
	/* Pipelines replaced by a switch, to tear down on the stream's thread. */
	GPtrArray *retired;
	/* Monotonic time of the last frame pushed, 0 before the first. */
	int64_t last_frame_us;
	/* Written on the stream's thread only; read anywhere under the lock. */
	enum wall_source_state state;
	char *reason;
	/* A go-live is queued and not yet run. */
	bool live_queued;
	/* No tile shows the source: it decodes key frames only (kept warm). */
	bool hidden;
	/* Tallest tile showing the source; 0 while the host has not said. */
	uint32_t view_height_px;
	unsigned reconnects;
	/* The wait before the last reconnect asked for, for status. */
	unsigned retry_delay_ms;
	int64_t online_us;
	int64_t live_since_us;
	double fps;
	double bitrate_kbps;
	uint32_t width_px;
	uint32_t height_px;
	char *codec;
	char *decoder;

	/* The stream's thread only. */
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
	 * when the stream stops, and waited for before its thread ends.
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


static const char *kind_name(enum stream_kind kind)
{
	return kind == STREAM_KIND_SUB ? "sub" : "main";
}

/* Posting work to the stream's thread, from any thread. */

static void post(struct stream *stream, GSourceFunc fn, unsigned delay_ms, GSource **keep)
{
	GSource *source = wall_worker_post(stream->worker, fn, stream, delay_ms, keep != NULL);
	if (keep != NULL) {
		*keep = source;
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

/* State, on the stream's thread. */

static void change_state(struct stream *stream, enum wall_source_state state, const char *reason)
{
	int64_t now = g_get_monotonic_time();
	g_mutex_lock(&stream->lock);
	if (stream->state == state && g_strcmp0(stream->reason, reason) == 0) {
		g_mutex_unlock(&stream->lock);
		return;
	}
	enum wall_source_state from = stream->state;
	if (from == WALL_SOURCE_STATE_LIVE && state != WALL_SOURCE_STATE_LIVE) {
		stream->online_us += now - stream->live_since_us;
	} else if (from != WALL_SOURCE_STATE_LIVE && state == WALL_SOURCE_STATE_LIVE) {
		stream->live_since_us = now;
	}
	stream->state = state;
	g_free(stream->reason);
	stream->reason = g_strdup(reason);
	g_mutex_unlock(&stream->lock);

	stream->host->set_state(stream->source, state, reason);
	if ((from == WALL_SOURCE_STATE_LIVE) != (state == WALL_SOURCE_STATE_LIVE)) {
		stream->host->publish_metric(stream->source, "online",
					     state == WALL_SOURCE_STATE_LIVE ? 1.0 : 0.0);
	}
}

static enum stream_kind wanted_kind(struct stream *stream)
{
	g_mutex_lock(&stream->lock);
	uint32_t height = stream->view_height_px;
	g_mutex_unlock(&stream->lock);
	if (stream->uris[STREAM_KIND_SUB] == NULL || height == 0) {
		return STREAM_KIND_MAIN;
	}
	return height < stream->sub_below_px ? STREAM_KIND_SUB : STREAM_KIND_MAIN;
}

static void on_frame(void *user, struct pipeline *pipeline, const struct wall_frame *frame);
static gboolean on_switch_retry(gpointer user);
static void on_failed(void *user, struct pipeline *pipeline, const char *reason,
		      const char *detail);

/* Metadata of the stream on screen only, so a switch never mixes two. */
static void on_klv(void *user, struct pipeline *pipeline, const uint8_t *data, size_t size)
{
	struct stream *stream = user;
	g_mutex_lock(&stream->lock);
	bool current = pipeline == stream->current;
	g_mutex_unlock(&stream->lock);
	if (current) {
		stream->params.klv(stream->params.user, data, size);
	}
}

static const struct pipeline_callbacks callbacks = {
	.frame = on_frame,
	.failed = on_failed,
	.klv = on_klv,
};

static struct pipeline *start_pipeline(struct stream *stream, enum stream_kind kind)
{
	struct pipeline_config config = {
		.uri = stream->uris[kind],
		.user = stream->user,
		.password = stream->password,
		.transport = (enum transport)g_atomic_int_get(&stream->transport_now),
		.latency_ms = stream->latency_ms,
		.metadata = stream->params.klv != NULL,
		.keyframes_only = stream->keyframes_only,
		.host = stream->host,
		.source = stream->source,
	};
	g_mutex_lock(&stream->lock);
	config.keyframes_only = config.keyframes_only || stream->hidden;
	g_mutex_unlock(&stream->lock);
	char *error = NULL;
	struct pipeline *pipeline =
		pipeline_start(&config, wall_worker_context(stream->worker), &callbacks, stream,
			       &error);
	if (pipeline == NULL) {
		stream->host->log(stream->source, WALL_LOG_ERROR, "%s", error);
		g_free(error);
	}
	return pipeline;
}

static void schedule_retry(struct stream *stream);

static void connect_stream(struct stream *stream)
{
	enum stream_kind kind = wanted_kind(stream);
	stream->attempt_start_us = g_get_monotonic_time();
	stream->host->log(stream->source, WALL_LOG_DEBUG, "connecting to %s (%s stream)",
			  stream->shown_uris[kind], kind_name(kind));
	struct pipeline *pipeline = start_pipeline(stream, kind);
	if (pipeline == NULL) {
		change_state(stream, WALL_SOURCE_STATE_ERROR, "video support is not installed");
		schedule_retry(stream);
		return;
	}
	g_mutex_lock(&stream->lock);
	stream->current = pipeline;
	stream->current_kind = kind;
	g_mutex_unlock(&stream->lock);
}

static gboolean on_retry(gpointer user)
{
	struct stream *stream = user;
	g_source_unref(stream->retry);
	stream->retry = NULL;
	g_mutex_lock(&stream->lock);
	stream->reconnects++;
	g_mutex_unlock(&stream->lock);
	connect_stream(stream);
	return G_SOURCE_REMOVE;
}

static void set_retry_delay(struct stream *stream, unsigned delay_ms)
{
	g_mutex_lock(&stream->lock);
	stream->retry_delay_ms = delay_ms;
	g_mutex_unlock(&stream->lock);
}

static void schedule_retry(struct stream *stream)
{
	cancel(&stream->retry);
	/* 1 s, 2 s, 4 s ... 30 s, each spread by a quarter either way. */
	unsigned shift = MIN(stream->failures, 5u);
	double delay_ms = MIN((double)BACKOFF_FIRST_MS * (1u << shift), (double)BACKOFF_MAX_MS);
	delay_ms *= g_random_double_range(0.75, 1.25);
	delay_ms = CLAMP(delay_ms, BACKOFF_FIRST_MS * 0.75, (double)BACKOFF_MAX_MS);
	stream->failures++;
	set_retry_delay(stream, (unsigned)delay_ms);
	post(stream, on_retry, (unsigned)delay_ms, &stream->retry);
}

/*
 * Hands the pages a torn-down pipeline freed back to the system. Its
 * streaming, jitter-buffer and decoder threads each allocated in one of
 * glibc's per-thread arenas (up to eight per core); freed, that memory
 * stays in the arena between live chunks, and the next pipeline's threads
 * land in other arenas. The heap in use stays flat, but resident memory
 * crept up 6 % an hour on a wall of 16 flapping cameras. malloc_trim()
 * releases every free page of every arena. It walks them all, so it runs
 * here on a stream's thread, and at most once per TRIM_INTERVAL_US for
 * the whole process, however many cameras flap.
 */
static void trim_heap(struct stream *stream)
{
#if defined(__GLIBC__)
	static GMutex lock;
	static gint64 last_us;
	if (!g_mutex_trylock(&lock)) {
		/* Another stream's thread is trimming now. */
		return;
	}
	gint64 now = g_get_monotonic_time();
	if (last_us == 0 || now - last_us >= TRIM_INTERVAL_US) {
		last_us = now;
		bool released = malloc_trim(0) != 0;
		stream->host->log(stream->source, WALL_LOG_DEBUG, "heap trimmed in %.1f ms%s",
				  (g_get_monotonic_time() - now) / 1000.0,
				  released ? "" : ": nothing to give back");
	}
	g_mutex_unlock(&lock);
#endif
}

/* Tears down every pipeline; the stream's thread only. */
static void drop_pipelines(struct stream *stream)
{
	g_mutex_lock(&stream->lock);
	struct pipeline *current = g_steal_pointer(&stream->current);
	struct pipeline *next = g_steal_pointer(&stream->next);
	GPtrArray *retired = stream->retired;
	stream->retired = g_ptr_array_new();
	g_mutex_unlock(&stream->lock);

	/* Unlocked: stopping waits for streaming threads that take the lock. */
	pipeline_destroy(current);
	pipeline_destroy(next);
	for (unsigned i = 0; i < retired->len; i++) {
		pipeline_destroy(g_ptr_array_index(retired, i));
	}
	g_ptr_array_free(retired, TRUE);
	cancel(&stream->switch_retry);
	if (current != NULL || next != NULL) {
		trim_heap(stream);
	}
}

/* Says why the stream is gone, and tries again later. */
static void report_loss(struct stream *stream, const char *reason)
{
	g_mutex_lock(&stream->lock);
	int64_t age_us = g_get_monotonic_time() - stream->last_frame_us;
	bool picture = stream->last_frame_us != 0 &&
		       (stream->state == WALL_SOURCE_STATE_LIVE ||
			stream->state == WALL_SOURCE_STATE_STALLED);
	g_mutex_unlock(&stream->lock);

	g_mutex_lock(&stream->lock);
	g_free(stream->lost_reason);
	stream->lost_reason = g_strdup(reason);
	g_mutex_unlock(&stream->lock);
	if (picture && age_us < stream->stall_ms * 1000) {
		/* The last picture stays up, dimmed, until it is stall_ms old. */
		stream->lost = true;
		change_state(stream, WALL_SOURCE_STATE_STALLED, NULL);
	} else {
		stream->lost = false;
		change_state(stream, WALL_SOURCE_STATE_OFFLINE, reason);
	}
	schedule_retry(stream);
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
	struct stream *stream = user;
	GError *error = NULL;
	GSocketConnection *connection =
		g_socket_client_connect_to_uri_finish(G_SOCKET_CLIENT(object), result, &error);
	stream->probing = false;
	char *reason = g_steal_pointer(&stream->probe_reason);
	if (connection != NULL) {
		g_object_unref(connection);
	} else if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
		/* The stream is stopping. */
		g_error_free(error);
		g_free(reason);
		return;
	} else if (probe_reason_for(error) != NULL) {
		g_free(reason);
		reason = g_strdup(probe_reason_for(error));
	}
	g_clear_error(&error);
	report_loss(stream, reason);
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
static void lose_stream(struct stream *stream, const char *reason, bool probe)
{
	g_mutex_lock(&stream->lock);
	const char *uri = stream->uris[stream->current_kind != STREAM_KIND_INVALID
					       ? stream->current_kind
					       : STREAM_KIND_MAIN];
	g_mutex_unlock(&stream->lock);
	drop_pipelines(stream);
	guint16 port = default_port(uri);
	if (!probe || port == 0 || stream->probing) {
		report_loss(stream, reason);
		return;
	}
	stream->probing = true;
	stream->probe_reason = g_strdup(reason);
	GSocketClient *client = g_socket_client_new();
	g_socket_client_set_timeout(client, 5);
	g_socket_client_connect_to_uri_async(client, uri, port, stream->probe_cancel, on_probed,
					     stream);
	g_object_unref(client);
}

static const char *transport_word(enum transport transport)
{
	return transport == TRANSPORT_UDP ? "udp" : transport == TRANSPORT_TCP ? "tcp" : "auto";
}

/*
 * The server refused the transport asked for (461): ask for the other one
 * at once, as ffplay and GStreamer's own defaults would. Returns false
 * when the other was refused too, or there is no other (auto).
 */
static bool try_other_transport(struct stream *stream)
{
	enum transport now = (enum transport)g_atomic_int_get(&stream->transport_now);
	if (now == TRANSPORT_AUTO || now != stream->transport) {
		/* Both refused: back to the configured one for the next round. */
		g_atomic_int_set(&stream->transport_now, (gint)stream->transport);
		return false;
	}
	enum transport other = now == TRANSPORT_TCP ? TRANSPORT_UDP : TRANSPORT_TCP;
	g_atomic_int_set(&stream->transport_now, (gint)other);
	stream->host->log(stream->source, WALL_LOG_INFO,
			  "RTP over %s refused (461 Unsupported transport): trying %s",
			  transport_word(now), transport_word(other));
	drop_pipelines(stream);
	connect_stream(stream);
	return true;
}

static void on_failed(void *user, struct pipeline *pipeline, const char *reason,
		      const char *detail)
{
	struct stream *stream = user;
	struct pipeline_info info = {0};
	pipeline_get_info(pipeline, &info);
	bool answered = info.answered;
	pipeline_info_clear(&info);
	g_mutex_lock(&stream->lock);
	bool is_current = pipeline == stream->current;
	bool is_next = pipeline == stream->next;
	enum stream_kind kind = is_next ? stream->next_kind : stream->current_kind;
	if (is_next) {
		stream->next = NULL;
	}
	g_mutex_unlock(&stream->lock);

	if (is_next) {
		/* The stream on screen carries on; the switch is tried later. */
		stream->host->log(stream->source, WALL_LOG_WARNING,
				  "cannot switch to the %s stream: %s; %s", kind_name(kind),
				  reason, detail);
		pipeline_destroy(pipeline);
		cancel(&stream->switch_retry);
		post(stream, on_switch_retry, SWITCH_RETRY_MS, &stream->switch_retry);
		return;
	}
	if (!is_current) {
		return;
	}
	if (g_str_equal(reason, PIPELINE_TRANSPORT_REFUSED) && try_other_transport(stream)) {
		return;
	}
	/*
	 * A live stream that ended (end of stream, RTCP BYE: a server that
	 * restarts its session) is asked for again at once, not after the
	 * backoff: it was fine a moment ago. One that ends within its first
	 * ENDED_AT_ONCE_MIN_LIVE_US backs off as any failure does.
	 */
	g_mutex_lock(&stream->lock);
	bool ended_live = g_str_equal(reason, PIPELINE_STREAM_ENDED) &&
			  stream->state == WALL_SOURCE_STATE_LIVE &&
			  g_get_monotonic_time() - stream->live_since_us >= ENDED_AT_ONCE_MIN_LIVE_US;
	g_mutex_unlock(&stream->lock);
	/* A stream that keeps failing the same way is logged once. */
	bool same = g_strcmp0(stream->logged_reason, reason) == 0;
	g_free(stream->logged_reason);
	stream->logged_reason = g_strdup(reason);
	stream->host->log(stream->source, same ? WALL_LOG_DEBUG : WALL_LOG_INFO, "%s stream: %s; %s",
			  kind_name(kind), reason, detail);
	lose_stream(stream, reason, !answered && g_str_equal(reason, "connection lost"));
	if (ended_live) {
		stream->host->log(stream->source, WALL_LOG_INFO,
				  "the stream ended while live: asking for it again at once");
		cancel(&stream->retry);
		stream->failures = 0;
		set_retry_delay(stream, 0);
		post(stream, on_retry, 0, &stream->retry);
	}
}

static gboolean go_live(gpointer user)
{
	struct stream *stream = user;
	g_mutex_lock(&stream->lock);
	stream->live_queued = false;
	bool fresh = stream->current != NULL &&
		     g_get_monotonic_time() - stream->last_frame_us < stream->stall_ms * 1000;
	g_mutex_unlock(&stream->lock);
	if (fresh) {
		stream->failures = 0;
		stream->lost = false;
		g_clear_pointer(&stream->logged_reason, g_free);
		cancel(&stream->retry);
		change_state(stream, WALL_SOURCE_STATE_LIVE, NULL);
	}
	return G_SOURCE_REMOVE;
}

static gboolean retire_pipelines(gpointer user)
{
	struct stream *stream = user;
	g_mutex_lock(&stream->lock);
	GPtrArray *retired = stream->retired;
	stream->retired = g_ptr_array_new();
	g_mutex_unlock(&stream->lock);
	for (unsigned i = 0; i < retired->len; i++) {
		pipeline_destroy(g_ptr_array_index(retired, i));
	}
	g_ptr_array_free(retired, TRUE);
	return G_SOURCE_REMOVE;
}

/* Streaming thread. */

static void on_frame(void *user, struct pipeline *pipeline, const struct wall_frame *frame)
{
	struct stream *stream = user;
	bool retire = false;
	bool queue_live = false;

	g_mutex_lock(&stream->lock);
	if (pipeline == stream->next) {
		/* The new stream delivers: it takes over, the old one goes. */
		if (stream->current != NULL) {
			g_ptr_array_add(stream->retired, stream->current);
			retire = true;
		}
		stream->current = stream->next;
		stream->current_kind = stream->next_kind;
		stream->next = NULL;
	}
	if (pipeline != stream->current) {
		g_mutex_unlock(&stream->lock);
		frame->release(frame->release_data);
		return;
	}
	stream->last_frame_us = g_get_monotonic_time();
	if (stream->state != WALL_SOURCE_STATE_LIVE && !stream->live_queued) {
		stream->live_queued = true;
		queue_live = true;
	}
	/*
	 * Pushed under the lock, so a frame of the old stream can never land
	 * after the first frame of the new one.
	 */
	stream->host->push_frame(stream->source, frame);
	g_mutex_unlock(&stream->lock);

	if (retire) {
		post(stream, retire_pipelines, 0, NULL);
	}
	if (queue_live) {
		post(stream, go_live, 0, NULL);
	}
}

/* Switching between main and sub, on the stream's thread. */

static gboolean reconsider_stream(gpointer user)
{
	struct stream *stream = user;
	enum stream_kind want = wanted_kind(stream);

	g_mutex_lock(&stream->lock);
	bool connected = stream->current != NULL;
	bool on_screen = connected && stream->last_frame_us != 0 &&
			 (stream->state == WALL_SOURCE_STATE_LIVE ||
			  stream->state == WALL_SOURCE_STATE_STALLED);
	enum stream_kind current_kind = stream->current_kind;
	struct pipeline *stale_next = NULL;
	bool start_next = false;
	if (connected && current_kind == want) {
		/* Back to where it was: a half-done switch is abandoned. */
		stale_next = g_steal_pointer(&stream->next);
	} else if (on_screen && stream->next == NULL) {
		start_next = true;
	}
	g_mutex_unlock(&stream->lock);

	pipeline_destroy(stale_next);
	if (!connected || current_kind == want) {
		/* When not connected, the next attempt picks the wanted stream. */
		return G_SOURCE_REMOVE;
	}
	if (!on_screen) {
		/* Nothing on screen to keep: connect to the right stream now. */
		drop_pipelines(stream);
		cancel(&stream->retry);
		connect_stream(stream);
		return G_SOURCE_REMOVE;
	}
	if (start_next) {
		stream->host->log(stream->source, WALL_LOG_INFO, "switching to the %s stream",
				  kind_name(want));
		struct pipeline *next = start_pipeline(stream, want);
		g_mutex_lock(&stream->lock);
		stream->next = next;
		stream->next_kind = want;
		g_mutex_unlock(&stream->lock);
	}
	return G_SOURCE_REMOVE;
}

static gboolean on_switch_retry(gpointer user)
{
	struct stream *stream = user;
	g_source_unref(stream->switch_retry);
	stream->switch_retry = NULL;
	return reconsider_stream(stream);
}

/* Watchdog, on the stream's thread. */

static void sample_figures(struct stream *stream, int64_t now)
{
	g_mutex_lock(&stream->lock);
	struct pipeline *current = stream->current;
	struct pipeline_info info = {0};
	if (current != NULL) {
		pipeline_get_info(current, &info);
	}
	g_mutex_unlock(&stream->lock);

	double elapsed_s = (double)(now - stream->sample_us) / G_USEC_PER_SEC;
	bool restart = info.frames < stream->sample_frames || info.bytes_in < stream->sample_bytes;
	double fps = 0;
	double kbps = 0;
	if (stream->sample_us != 0 && elapsed_s > 0 && !restart) {
		fps = (double)(info.frames - stream->sample_frames) / elapsed_s;
		kbps = (double)(info.bytes_in - stream->sample_bytes) * 8.0 / 1000.0 / elapsed_s;
	}
	stream->sample_us = now;
	stream->sample_frames = info.frames;
	stream->sample_bytes = info.bytes_in;

	g_mutex_lock(&stream->lock);
	stream->fps = fps;
	stream->bitrate_kbps = kbps;
	if (current != NULL && info.width_px != 0) {
		stream->width_px = info.width_px;
		stream->height_px = info.height_px;
	}
	if (info.codec != NULL) {
		g_free(stream->codec);
		stream->codec = g_steal_pointer(&info.codec);
	}
	if (info.decoder != NULL) {
		g_free(stream->decoder);
		stream->decoder = g_steal_pointer(&info.decoder);
	}
	int64_t online_us = stream->online_us;
	if (stream->state == WALL_SOURCE_STATE_LIVE) {
		online_us += now - stream->live_since_us;
	}
	g_mutex_unlock(&stream->lock);
	pipeline_info_clear(&info);

	stream->host->publish_metric(stream->source, "online_s", (double)online_us / 1e6);
}

static gboolean on_watchdog(gpointer user)
{
	struct stream *stream = user;
	int64_t now = g_get_monotonic_time();
	int64_t stall_us = stream->stall_ms * 1000;
	int64_t connect_timeout_us = MAX(CONNECT_TIMEOUT_MIN_MS, 2 * stream->stall_ms) * 1000;

	g_mutex_lock(&stream->lock);
	enum wall_source_state state = stream->state;
	int64_t last_frame_us = stream->last_frame_us;
	int64_t age_us = last_frame_us != 0 ? now - last_frame_us : G_MAXINT64;
	bool connected = stream->current != NULL;
	bool answered = false;
	if (connected) {
		struct pipeline_info info = {0};
		pipeline_get_info(stream->current, &info);
		answered = info.answered;
		pipeline_info_clear(&info);
	}
	g_mutex_unlock(&stream->lock);

	/*
	 * A frame that lands between the unlock and a change below finds the
	 * state not LIVE and queues go_live(), so no picture is missed.
	 */
	if (state == WALL_SOURCE_STATE_LIVE && age_us > stall_us) {
		/* Connected, yet no picture: the tile dims and counts the seconds. */
		change_state(stream, WALL_SOURCE_STATE_STALLED, NULL);
	} else if (state == WALL_SOURCE_STATE_STALLED && stream->lost && age_us > stall_us) {
		stream->lost = false;
		change_state(stream, WALL_SOURCE_STATE_OFFLINE,
			     stream->lost_reason != NULL ? stream->lost_reason : "connection lost");
	} else if (state == WALL_SOURCE_STATE_STALLED && !stream->lost && connected &&
		   age_us > 2 * stall_us && last_frame_us >= stream->attempt_start_us) {
		stream->host->log(stream->source, WALL_LOG_INFO,
				  "no picture for %.1f s; reconnecting", (double)age_us / 1e6);
		lose_stream(stream, "no video", false);
	} else if (connected && last_frame_us < stream->attempt_start_us &&
		   now - stream->attempt_start_us > connect_timeout_us) {
		/* This attempt has shown nothing at all. */
		lose_stream(stream, answered ? "no video" : "connection timed out", false);
	}

	if (now - stream->metric_published_us >= G_USEC_PER_SEC) {
		stream->metric_published_us = now;
		sample_figures(stream, now);
	}
	return G_SOURCE_CONTINUE;
}

/* The stream's thread. */

static void start(void *user)
{
	struct stream *stream = user;
	/*
	 * GStreamer starts here, not in create(): loading its registry can take
	 * seconds on a cold cache, and the render thread must not wait for it.
	 */
	char *error = NULL;
	if (!pipeline_global_init(&error)) {
		stream->host->log(stream->source, WALL_LOG_ERROR, "%s", error);
		change_state(stream, WALL_SOURCE_STATE_ERROR, "video support is not installed");
		g_free(error);
		return;
	}
	stream->host->publish_metric(stream->source, "online", 0.0);
	stream->host->publish_metric(stream->source, "online_s", 0.0);
	post(stream, on_watchdog, WATCHDOG_INTERVAL_MS, &stream->watchdog);
	connect_stream(stream);
}

static void stop(void *user)
{
	struct stream *stream = user;
	drop_pipelines(stream);
	cancel(&stream->watchdog);
	cancel(&stream->retry);
	g_cancellable_cancel(stream->probe_cancel);
	/* A cancelled probe still reports once; its memory goes with it. */
	while (stream->probing) {
		g_main_context_iteration(wall_worker_context(stream->worker), TRUE);
	}
}

/* Options. */

/*
 * Splits credentials out of a URI ("rtsp://admin:pw@host/..."), so they
 * travel in the source's properties and never in a logged URI. Fills
 * *user and *password only where they are still NULL.
 */
static char *take_parsed_credentials(const char *uri, char **user, char **password)
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

static char *take_credentials(const char *uri, char **user, char **password)
{
	/*
	 * A password with an unescaped '/' ("admin:Pa/ss9@host") is not a
	 * valid URI; escape its user information first, as the user meant it.
	 */
	const char *scheme_end = strstr(uri, "://");
	const char *at = scheme_end != NULL ? pipeline_userinfo_end(scheme_end + 3) : NULL;
	char *fixed = NULL;
	if (at != NULL) {
		char *userinfo = g_strndup(scheme_end + 3, (gsize)(at - scheme_end - 3));
		char *escaped = g_uri_escape_string(
			userinfo, ":%" G_URI_RESERVED_CHARS_SUBCOMPONENT_DELIMITERS, FALSE);
		fixed = g_strdup_printf("%.*s%s%s", (int)(scheme_end + 3 - uri), uri, escaped, at);
		g_free(escaped);
		g_free(userinfo);
		uri = fixed;
	}
	char *bare_text = take_parsed_credentials(uri, user, password);
	g_free(fixed);
	return bare_text;
}

static bool read_options(struct stream *stream)
{
	const struct wall_host *host = stream->host;
	struct wall_source *source = stream->source;
	const char *url = host->config_string(source, stream->url_option);
	if (url == NULL || *url == '\0') {
		host->log(source, WALL_LOG_ERROR, "no %s set", stream->url_option);
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
	stream->user = user != NULL && *user != '\0' ? g_strdup(user) : NULL;
	stream->password = password != NULL && *password != '\0' ? g_strdup(password) : NULL;

	const char *sub = host->config_string(source, "sub");
	if (sub != NULL && *sub != '\0' && !gst_uri_is_valid(sub)) {
		char *shown = pipeline_scrub(sub, stream->password);
		host->log(source, WALL_LOG_ERROR, "sub is not a stream address: %s", shown);
		g_free(shown);
		return false;
	}
	stream->uris[STREAM_KIND_MAIN] = take_credentials(url, &stream->user, &stream->password);
	if (sub != NULL && *sub != '\0') {
		stream->uris[STREAM_KIND_SUB] =
			take_credentials(sub, &stream->user, &stream->password);
	}
	for (unsigned i = 0; i < G_N_ELEMENTS(stream->uris); i++) {
		stream->shown_uris[i] = pipeline_scrub(stream->uris[i], stream->password);
	}

	const char *transport = host->config_string(source, "transport");
	stream->transport = g_strcmp0(transport, "udp") == 0	  ? TRANSPORT_UDP
			    : g_strcmp0(transport, "auto") == 0 ? TRANSPORT_AUTO
								: TRANSPORT_TCP;
	stream->transport_now = (gint)stream->transport;
	stream->latency_ms = (unsigned)CLAMP(host->config_int(source, "latency_ms", 200), 0, 5000);
	stream->stall_ms = CLAMP(host->config_int(source, "stall_ms", 3000), 200, 600000);
	stream->keyframes_only = host->config_int(source, "keyframes_only", 0) != 0;
	stream->sub_below_px = (uint32_t)CLAMP(host->config_int(source, "sub_below", 540), 1, 8640);
	return true;
}

/* The plugin's side. */

static void stream_free(struct stream *stream)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(stream->uris); i++) {
		g_free(stream->uris[i]);
		g_free(stream->shown_uris[i]);
	}
	g_free(stream->url_option);
	g_free(stream->status_prefix);
	g_free(stream->user);
	g_free(stream->password);
	g_free(stream->reason);
	g_free(stream->lost_reason);
	g_free(stream->probe_reason);
	g_free(stream->logged_reason);
	g_clear_object(&stream->probe_cancel);
	g_free(stream->codec);
	g_free(stream->decoder);
	if (stream->retired != NULL) {
		g_ptr_array_free(stream->retired, TRUE);
	}
	g_mutex_clear(&stream->lock);
	g_free(stream);
}

struct stream *stream_create(const struct wall_host *host, struct wall_source *source,
			     const struct stream_params *params)
{
	struct stream *stream = g_new0(struct stream, 1);
	stream->host = host;
	stream->source = source;
	stream->params = *params;
	stream->url_option = g_strdup(params->url_option != NULL ? params->url_option : "url");
	stream->status_prefix =
		g_strdup(params->status_prefix != NULL ? params->status_prefix : "stream");
	g_mutex_init(&stream->lock);
	stream->state = WALL_SOURCE_STATE_CONNECTING;
	stream->retired = g_ptr_array_new();
	stream->probe_cancel = g_cancellable_new();
	if (!read_options(stream)) {
		goto fail;
	}

	stream->worker = wall_worker_new();
	char *thread_name = g_strdup_printf("stream %s", host->source_name(source));
	wall_worker_start(stream->worker, thread_name, start, stop, stream);
	g_free(thread_name);
	return stream;

fail:
	stream_free(stream);
	return NULL;
}

void stream_destroy(struct stream *stream)
{
	if (stream == NULL) {
		return;
	}
	wall_worker_stop(stream->worker);
	stream_free(stream);
}

void stream_set_view_size(struct stream *stream, uint32_t width_px, uint32_t height_px)
{
	if (stream->uris[STREAM_KIND_SUB] == NULL) {
		return;
	}
	g_mutex_lock(&stream->lock);
	stream->view_height_px = height_px;
	g_mutex_unlock(&stream->lock);
	post(stream, reconsider_stream, 0, NULL);
}

void stream_set_visible(struct stream *stream, bool visible)
{
	g_mutex_lock(&stream->lock);
	stream->hidden = !visible;
	/*
	 * Both pipelines, so a main/sub switch under way lands in the same
	 * mode; retired ones are on their way out. A pipeline started later
	 * reads hidden in start_pipeline().
	 */
	bool keyframes_only = stream->keyframes_only || stream->hidden;
	if (stream->current != NULL) {
		pipeline_set_keyframes_only(stream->current, keyframes_only);
	}
	if (stream->next != NULL) {
		pipeline_set_keyframes_only(stream->next, keyframes_only);
	}
	g_mutex_unlock(&stream->lock);
}

static void add_number(wall_status_fn add, void *user, const char *key, const char *format,
		       double value)
{
	char text[G_ASCII_DTOSTR_BUF_SIZE];
	g_ascii_formatd(text, sizeof(text), format, value);
	add(user, key, text);
}

void stream_status(struct stream *stream, wall_status_fn add, void *user)
{
	int64_t now = g_get_monotonic_time();
	g_mutex_lock(&stream->lock);
	enum wall_source_state state = stream->state;
	char *reason = g_strdup(stream->reason);
	enum stream_kind kind = stream->current_kind != STREAM_KIND_INVALID ? stream->current_kind
									    : STREAM_KIND_MAIN;
	char *codec = g_strdup(stream->codec);
	char *decoder = g_strdup(stream->decoder);
	char *resolution = stream->width_px != 0 ? g_strdup_printf("%ux%u", stream->width_px,
								   stream->height_px)
						 : NULL;
	double fps = stream->fps;
	double kbps = stream->bitrate_kbps;
	unsigned reconnects = stream->reconnects;
	unsigned retry_delay_ms = stream->retry_delay_ms;
	int64_t last_frame_us = stream->last_frame_us;
	int64_t online_us = stream->online_us;
	if (state == WALL_SOURCE_STATE_LIVE) {
		online_us += now - stream->live_since_us;
	}
	bool keyframes_only = stream->keyframes_only || stream->hidden;
	g_mutex_unlock(&stream->lock);

	/* Every text here is free of credentials: shown_uris are scrubbed. */
	char *key = g_strconcat(stream->status_prefix, "_state", NULL);
	add(user, key, wall_source_state_name(state));
	g_free(key);
	if (reason != NULL) {
		key = g_strconcat(stream->status_prefix, "_reason", NULL);
		add(user, key, reason);
		g_free(key);
	}
	add(user, "stream", kind_name(kind));
	add(user, "url", stream->shown_uris[kind]);
	add_number(add, user, "fps", "%.1f", fps);
	add(user, "resolution", resolution != NULL ? resolution : "-");
	add(user, "codec", codec != NULL ? codec : "-");
	add(user, "decoder", decoder != NULL ? decoder : "-");
	add_number(add, user, "bitrate_kbps", "%.0f", kbps);
	add_number(add, user, "reconnects", "%.0f", (double)reconnects);
	add_number(add, user, "retry_delay_ms", "%.0f", (double)retry_delay_ms);
	if (last_frame_us != 0) {
		add_number(add, user, "last_frame_age_ms", "%.0f",
			   (double)(now - last_frame_us) / 1000.0);
	} else {
		add(user, "last_frame_age_ms", "-");
	}
	add_number(add, user, "online_s", "%.1f", (double)online_us / 1e6);
	add(user, "decode", keyframes_only ? "keyframes" : "all");
	add(user, "transport",
	    transport_word((enum transport)g_atomic_int_get(&stream->transport_now)));
	g_free(reason);
	g_free(codec);
	g_free(decoder);
	g_free(resolution);
}

enum wall_source_state stream_state(struct stream *stream)
{
	g_mutex_lock(&stream->lock);
	enum wall_source_state state = stream->state;
	g_mutex_unlock(&stream->lock);
	return state;
}
