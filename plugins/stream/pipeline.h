/*
 * One connection to one stream: uridecodebin into an appsink that hands
 * out decoded I420 or NV12 frames without copying them, and optionally a
 * second appsink for KLV metadata. A stream owns one or two of these (two
 * while it switches between main and sub) and decides what to do with
 * their frames and failures.
 */
#ifndef WALL_STREAM_PIPELINE_H
#define WALL_STREAM_PIPELINE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <wall/plugin.h>

enum transport {
	TRANSPORT_INVALID = 0,
	TRANSPORT_TCP,
	TRANSPORT_UDP,
	TRANSPORT_AUTO,
};

/*
 * The failure reason when an RTSP server refused every transport asked
 * for ("461 Unsupported transport"), as a camera that offers RTP over
 * UDP only answers a request for TCP. The stream then tries the other.
 */
#define PIPELINE_TRANSPORT_REFUSED "the camera refused the transport (461 Unsupported transport)"

/* The failure reason when the stream ended (end of stream, RTCP BYE). */
#define PIPELINE_STREAM_ENDED "stream ended"

struct pipeline;

struct pipeline_config {
	/** Without credentials; they travel in user and password. */
	const char *uri;
	/** NULL when not set. */
	const char *user;
	const char *password;
	enum transport transport;
	unsigned latency_ms;
	/** Hand out KLV metadata (meta/x-klv) through callbacks.klv. */
	bool metadata;
	/**
	 * Decode key frames only: every other frame is dropped before the
	 * decoder, for thumbnails that change once a GOP.
	 */
	bool keyframes_only;
	/** Where decoded pictures go, for buffers it offers (avdecoder_options.host); may be NULL. */
	const struct wall_host *host;
	struct wall_source *source;
};

struct pipeline_callbacks {
	/**
	 * A decoded frame, on a streaming thread. The callee owns frame's
	 * planes: it pushes the frame to the host or calls
	 * frame->release(frame->release_data) itself.
	 */
	void (*frame)(void *user, struct pipeline *pipeline, const struct wall_frame *frame);
	/**
	 * The stream failed or ended, on the thread that owns context; reason
	 * is in the user's words ("connection refused"), detail is
	 * GStreamer's, already scrubbed of credentials. Called at most once.
	 * The callee may destroy pipeline.
	 */
	void (*failed)(void *user, struct pipeline *pipeline, const char *reason,
		       const char *detail);
	/**
	 * One KLV metadata unit, on a streaming thread, when config.metadata
	 * is set; data is valid during the call only.
	 */
	void (*klv)(void *user, struct pipeline *pipeline, const uint8_t *data, size_t size);
};

/** What a pipeline has seen so far, copied out. */
struct pipeline_info {
	/** Owned by the caller: g_free. NULL until known. */
	char *codec;
	char *decoder;
	uint32_t width_px;
	uint32_t height_px;
	/** Compressed bytes that reached the decoder. */
	uint64_t bytes_in;
	/** Decoded frames handed out. */
	uint64_t frames;
	/** The server described a stream (we got past connecting). */
	bool answered;
};

/** Once per process: GStreamer and the decoder ranks. Any thread. */
bool pipeline_global_init(char **error_text);

/**
 * Build the pipeline and set it playing. Its bus is watched on context,
 * where failed() is called. Must be called on the thread that runs
 * context. Returns NULL with *error_text set (g_free it) when a needed
 * GStreamer element is missing.
 */
struct pipeline *pipeline_start(const struct pipeline_config *config, GMainContext *context,
				const struct pipeline_callbacks *callbacks, void *user,
				char **error_text);

/**
 * Stop and free. After it returns no callback runs for this pipeline.
 * Frames already handed out stay valid until released. Call on the
 * context's thread, never on a streaming thread. Accepts NULL.
 */
void pipeline_destroy(struct pipeline *pipeline);

/**
 * Decode key frames only from now on, or every frame again; going back to
 * every frame starts at the next key frame. Any thread.
 */
void pipeline_set_keyframes_only(struct pipeline *pipeline, bool keyframes_only);

void pipeline_get_info(struct pipeline *pipeline, struct pipeline_info *info);
void pipeline_info_clear(struct pipeline_info *info);

/**
 * A copy of text with credentials removed: "scheme://user:pw@host" loses
 * its user information (even with an unescaped '/' in the password), the
 * values of secret query keys (user, password, token, …) become "***",
 * and password (when not NULL or empty) is masked wherever it appears.
 */
char *pipeline_scrub(const char *text, const char *password);
/**
 * In a URL's text after "://", the '@' that ends its user information
 * (the last one before the query), or NULL when it has none.
 */
const char *pipeline_userinfo_end(const char *authority);

#endif
