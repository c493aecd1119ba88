/*
 * The stream path that every video plugin shares (camera, drone): one
 * live stream decoded by GStreamer and pushed to the host without a copy,
 * with its health state machine, watchdog, reconnects and main/sub
 * switching. A plugin declares the options below, calls stream_create()
 * from its create(), and forwards set_view_size() and status() to it,
 * and show() and hide() when hidden sources may idle.
 *
 * Built as a static library linked into each plugin, so every plugin
 * carries its own copy and no plugin depends on another being loaded.
 */
#ifndef WALL_STREAM_H
#define WALL_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wall/plugin.h>

struct stream;

/**
 * The options stream_create() reads, besides the address itself (whose
 * name each plugin picks: "url" for a camera, "video" for a drone). Put
 * this inside the plugin's option array.
 */
#define STREAM_OPTIONS                                                                     \
	{                                                                                  \
		.name = "sub",                                                             \
		.type = WALL_OPTION_STRING,                                                \
		.help = "the sub stream, played while the tile is small",                  \
	},                                                                                 \
	{                                                                                  \
		.name = "sub_below",                                                       \
		.type = WALL_OPTION_INT,                                                   \
		.default_value = "540",                                                    \
		.min = 1,                                                                  \
		.max = 8640,                                                               \
		.help = "tiles shorter than this many pixels play the sub stream",         \
	},                                                                                 \
	{                                                                                  \
		.name = "transport",                                                       \
		.type = WALL_OPTION_ENUM,                                                  \
		.default_value = "tcp",                                                    \
		.choices = "tcp|udp|auto",                                                 \
		.help = "RTSP transport: tcp (interleaved), udp, or auto (udp, then tcp)", \
	},                                                                                 \
	{                                                                                  \
		.name = "latency_ms",                                                      \
		.type = WALL_OPTION_INT,                                                   \
		.default_value = "200",                                                    \
		.min = 0,                                                                  \
		.max = 5000,                                                               \
		.help = "jitter buffer, in milliseconds; later packets are dropped",       \
	},                                                                                 \
	{                                                                                  \
		.name = "keyframes_only",                                                  \
		.type = WALL_OPTION_BOOL,                                                  \
		.default_value = "false",                                                  \
		.help = "decode key frames only (a picture a GOP): cheap thumbnails",      \
	},                                                                                 \
	{                                                                                  \
		.name = "stall_ms",                                                        \
		.type = WALL_OPTION_INT,                                                   \
		.default_value = "3000",                                                   \
		.min = 200,                                                                \
		.max = 600000,                                                             \
		.help = "a picture this old (milliseconds) makes the tile stalled",        \
	},                                                                                 \
	{                                                                                  \
		.name = "user",                                                            \
		.type = WALL_OPTION_STRING,                                                \
		.help = "user name for the stream",                                        \
	},                                                                                 \
	{                                                                                  \
		.name = "password",                                                        \
		.type = WALL_OPTION_STRING,                                                \
		.help = "password for the stream",                                         \
		.flags = WALL_OPTION_SECRET,                                               \
	}

/** What a plugin asks of its stream beyond the options. */
struct stream_params {
	/** The option that holds the main stream's address ("url"). */
	const char *url_option;
	/** Prefix of the status keys: "camera" gives camera_state, camera_reason. */
	const char *status_prefix;
	/**
	 * Optional: metadata units (KLV, meta/x-klv) carried beside the video,
	 * one call per unit, on a GStreamer streaming thread; data is valid
	 * during the call only. NULL leaves metadata streams undecoded.
	 */
	void (*klv)(void *user, const uint8_t *data, size_t size);
	void *user;
};

/**
 * Read the options and start the stream on a thread of its own. Render
 * thread; it never blocks on the network. Returns NULL after logging an
 * ERROR that says what is wrong with the options.
 */
struct stream *stream_create(const struct wall_host *host, struct wall_source *source,
			     const struct stream_params *params);

/** Stop the stream and its thread. Accepts NULL. */
void stream_destroy(struct stream *stream);

/** Forwarded from wall_plugin.set_view_size: picks main or sub. */
void stream_set_view_size(struct stream *stream, uint32_t width_px, uint32_t height_px);

/**
 * Forwarded from wall_plugin.show (true) and hide (false): a hidden
 * stream stays connected and decodes key frames only, so it can show a
 * picture at once when a tile shows it again. Any thread.
 */
void stream_set_visible(struct stream *stream, bool visible);

/** Forwarded from wall_plugin.status: state, stream, fps, codec, ... */
void stream_status(struct stream *stream, wall_status_fn add, void *user);

/** The state the stream last reported to the host. Any thread. */
enum wall_source_state stream_state(struct stream *stream);

#endif
