/*
 * H.264 and H.265 decoded in the stream's own thread with libavcodec,
 * handing the decoder's pictures out as they are.
 *
 * GStreamer's avdec_h264 decodes with the same libavcodec, but its base
 * class makes every output buffer writable before pushing it, and a
 * picture libavcodec still holds as a reference is copied whole there:
 * 3 MB per 1080p frame, a tenth of the wall's work on top of decoding.
 * Here the picture libavcodec decoded into is the one the tile shows.
 * Hardware decoders and other codecs stay with GStreamer.
 */
#ifndef WALL_STREAM_AVDECODER_H
#define WALL_STREAM_AVDECODER_H

#include <gst/gst.h>
#include <stdbool.h>
#include <stdint.h>
#include <wall/plugin.h>

/** What an appsink takes for this decoder: parsed access units. */
#define AVDECODER_CAPS                                                                             \
	"video/x-h264,stream-format=(string){avc,byte-stream},alignment=(string)au;"               \
	"video/x-h265,stream-format=(string){hvc1,hev1,byte-stream},alignment=(string)au"

struct avdecoder;

struct avdecoder_options {
	/** Frame threads for a stream that is not live; 0 lets libavcodec choose. */
	int threads;
	/**
	 * A live stream decodes on one thread: frame threads would hold a
	 * picture back each, and slice threads hide concealed pictures.
	 */
	bool live;
	/**
	 * The host whose buffers pictures are decoded into when it offers
	 * them (wall_host.acquire_buffer: an isolated plugin's shared pool,
	 * which the wall then shows without a copy); otherwise, and when
	 * they run out, libavcodec's own. host may be NULL.
	 */
	const struct wall_host *host;
	struct wall_source *source;
};

/**
 * One decoded picture, on the thread that called avdecoder_decode. The
 * callee owns frame's planes, as with pipeline_callbacks.frame.
 */
typedef void (*avdecoder_emit_fn)(void *user, const struct wall_frame *frame);

/** Whether caps name a codec this module decodes (any stream format). */
bool avdecoder_handles(const GstCaps *caps);

/** NULL with *error_text set (g_free it) when libavcodec cannot start. */
struct avdecoder *avdecoder_create(const GstCaps *caps, const struct avdecoder_options *options,
                                   char **error_text);
void avdecoder_destroy(struct avdecoder *decoder);

/** Whether decoder was made for caps (the same codec and codec data). */
bool avdecoder_fits(const struct avdecoder *decoder, const GstCaps *caps);

/** The decoder's name for status, as "avcodec h264". */
const char *avdecoder_name(const struct avdecoder *decoder);

/**
 * Decode one access unit and emit the pictures that are ready. With
 * flush, every picture the unit completes comes out now and the decoder
 * starts over, for a stream of key frames only. A broken unit is skipped
 * (the stream recovers at the next key frame); false with *error_text set
 * only when the stream cannot be shown at all (an unsupported pixel
 * format).
 */
bool avdecoder_decode(struct avdecoder *decoder, GstBuffer *unit, int64_t capture_time_us,
                      bool flush, avdecoder_emit_fn emit, void *user, char **error_text);

#endif
