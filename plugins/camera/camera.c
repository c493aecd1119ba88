/*
 * camera: live camera streams (RTSP, RTMP, HTTP-FLV, HLS, SRT, files)
 * decoded by GStreamer and handed to the wall without a copy.
 *
 * The stream path itself (threads, pipelines, health, reconnects, main
 * and sub stream) lives in plugins/stream/, shared with the drone plugin;
 * what it does is summed up here because it is what a camera is.
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
 * Warm. A hidden camera (kept warm for another preset: wall.warm in the
 * layout) stays connected and decodes key frames only, so recalling its
 * preset shows its newest key frame on the next frame and full motion
 * from the next key frame.
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

#include <glib.h>
#include <wall/plugin.h>

#include "stream.h"

static const struct wall_option options[] = {
	{
		.name = "url",
		.type = WALL_OPTION_STRING,
		.help = "the main stream: rtsp://, rtmp://, http(s)://, srt:// or file://",
		.flags = WALL_OPTION_REQUIRED,
	},
	STREAM_OPTIONS,
	{0},
};

static void *camera_create(const struct wall_host *host, struct wall_source *source)
{
	const struct stream_params params = {
		.url_option = "url",
		.status_prefix = "camera",
	};
	return stream_create(host, source, &params);
}

static void camera_destroy(void *instance)
{
	stream_destroy(instance);
}

static void camera_set_view_size(void *instance, uint32_t width_px, uint32_t height_px)
{
	stream_set_view_size(instance, width_px, height_px);
}

static void camera_show(void *instance)
{
	stream_set_visible(instance, true);
}

static void camera_hide(void *instance)
{
	stream_set_visible(instance, false);
}

static void camera_status(void *instance, wall_status_fn add, void *user)
{
	stream_status(instance, add, user);
}

static const struct wall_plugin plugin = {
	.abi_version = WALL_PLUGIN_ABI_VERSION,
	.struct_size = sizeof(struct wall_plugin),
	.name = "camera",
	.kind = WALL_PLUGIN_KIND_CAMERA,
	.description = "a live camera stream (RTSP, RTMP, HTTP-FLV, HLS, SRT, file)",
	.options = options,
	.create = camera_create,
	.destroy = camera_destroy,
	.show = camera_show,
	.hide = camera_hide,
	.status = camera_status,
	.set_view_size = camera_set_view_size,
};

const struct wall_plugin *wall_plugin_entry(void)
{
	return &plugin;
}
