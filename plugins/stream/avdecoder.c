#include "avdecoder.h"

#include <libavcodec/avcodec.h>
#include <libavutil/log.h>
#include <libavutil/pixdesc.h>
#include <libyuv.h>
#include <limits.h>
#include <string.h>

/* Capture times waiting for their pictures, by packet number. */
#define CAPTURE_SLOTS 64

struct avdecoder {
	AVCodecContext *context;
	AVPacket *packet;
	AVFrame *picture;
	GstCaps *caps;
	char *name;
	/* A picture was concealed: nothing is shown until a clean key frame. */
	bool damaged;
	/* Packet numbers go out as pts and come back with the picture. */
	int64_t next_packet;
	int64_t capture_us[CAPTURE_SLOTS];
	int64_t capture_packet[CAPTURE_SLOTS];
};

static enum AVCodecID codec_of(const GstCaps *caps)
{
	if (caps == NULL || gst_caps_get_size(caps) == 0) {
		return AV_CODEC_ID_NONE;
	}
	const GstStructure *s = gst_caps_get_structure(caps, 0);
	if (gst_structure_has_name(s, "video/x-h264")) {
		return AV_CODEC_ID_H264;
	}
	if (gst_structure_has_name(s, "video/x-h265")) {
		return AV_CODEC_ID_HEVC;
	}
	return AV_CODEC_ID_NONE;
}

bool avdecoder_handles(const GstCaps *caps)
{
	enum AVCodecID id = codec_of(caps);
	return id != AV_CODEC_ID_NONE && avcodec_find_decoder(id) != NULL;
}

/* avcC or hvcC from MP4, Matroska and FLV; byte streams carry theirs in-band. */
static bool set_codec_data(AVCodecContext *context, const GstCaps *caps)
{
	const GValue *value =
	        gst_structure_get_value(gst_caps_get_structure(caps, 0), "codec_data");
	if (value == NULL || !GST_VALUE_HOLDS_BUFFER(value)) {
		return true;
	}
	GstBuffer *data = gst_value_get_buffer(value);
	gsize size = gst_buffer_get_size(data);
	context->extradata = av_mallocz(size + AV_INPUT_BUFFER_PADDING_SIZE);
	if (context->extradata == NULL) {
		return false;
	}
	gst_buffer_extract(data, 0, context->extradata, size);
	context->extradata_size = (int)size;
	return true;
}

struct avdecoder *avdecoder_create(const GstCaps *caps, const struct avdecoder_options *options,
                                   char **error_text)
{
	static gsize quiet = 0;
	if (g_once_init_enter(&quiet)) {
		/*
		 * libavcodec would print a line on stderr for every lost slice it
		 * conceals; what a tile shows and its status say what matters.
		 */
		av_log_set_level(AV_LOG_FATAL);
		g_once_init_leave(&quiet, 1);
	}
	const AVCodec *codec = avcodec_find_decoder(codec_of(caps));
	if (codec == NULL) {
		*error_text = g_strdup("libavcodec has no decoder for this video");
		return NULL;
	}
	struct avdecoder *decoder = g_new0(struct avdecoder, 1);
	decoder->context = avcodec_alloc_context3(codec);
	decoder->packet = av_packet_alloc();
	decoder->picture = av_frame_alloc();
	if (decoder->context == NULL || decoder->packet == NULL || decoder->picture == NULL ||
	    !set_codec_data(decoder->context, caps)) {
		*error_text = g_strdup("libavcodec is out of memory");
		goto fail;
	}
	AVCodecContext *context = decoder->context;
	/*
	 * libavcodec conceals lost slices without saying so when it decodes
	 * slices in parallel, and a concealed picture must not reach a tile
	 * (receive_pictures()). Frame threads keep that report, but hold a
	 * picture back per thread: fine for a file, too slow for a live
	 * camera, which decodes on one thread (a core decodes 4K30 H.264).
	 */
	context->thread_count = options->live ? 1 : options->threads;
	context->thread_type = FF_THREAD_FRAME;
	/*
	 * A picture whose references were never seen (joining mid-GOP, a lost
	 * packet) shows grey smears; the tile keeps its last good one.
	 */
	context->flags &= ~AV_CODEC_FLAG_OUTPUT_CORRUPT;
	int result = avcodec_open2(context, codec, NULL);
	if (result < 0) {
		char reason[AV_ERROR_MAX_STRING_SIZE];
		av_strerror(result, reason, sizeof reason);
		*error_text = g_strdup_printf("libavcodec's %s decoder did not open: %s",
		                              codec->name, reason);
		goto fail;
	}
	decoder->caps = gst_caps_copy(caps);
	decoder->name = g_strdup_printf("avcodec %s", codec->name);
	for (unsigned i = 0; i < CAPTURE_SLOTS; i++) {
		decoder->capture_packet[i] = -1;
	}
	return decoder;

fail:
	avdecoder_destroy(decoder);
	return NULL;
}

void avdecoder_destroy(struct avdecoder *decoder)
{
	if (decoder == NULL) {
		return;
	}
	/* Pictures out with the host hold their own references. */
	avcodec_free_context(&decoder->context);
	av_packet_free(&decoder->packet);
	av_frame_free(&decoder->picture);
	gst_caps_replace(&decoder->caps, NULL);
	g_free(decoder->name);
	g_free(decoder);
}

bool avdecoder_fits(const struct avdecoder *decoder, const GstCaps *caps)
{
	return decoder->caps == caps || gst_caps_is_equal(decoder->caps, caps);
}

const char *avdecoder_name(const struct avdecoder *decoder)
{
	return decoder->name;
}

static void release_picture(void *data)
{
	AVFrame *picture = data;
	av_frame_free(&picture);
}

static enum wall_yuv_matrix matrix_of(enum AVColorSpace space)
{
	switch (space) {
	case AVCOL_SPC_BT709:
		return WALL_YUV_MATRIX_BT709;
	case AVCOL_SPC_BT470BG:
	case AVCOL_SPC_SMPTE170M:
		return WALL_YUV_MATRIX_BT601;
	default:
		return WALL_YUV_MATRIX_DEFAULT;
	}
}

static int64_t take_capture_time(struct avdecoder *decoder, int64_t packet)
{
	unsigned slot = (unsigned)(packet % CAPTURE_SLOTS);
	if (packet < 0 || decoder->capture_packet[slot] != packet) {
		return 0;
	}
	decoder->capture_packet[slot] = -1;
	return decoder->capture_us[slot];
}

/* The 16-bit planes of a 10-bit picture, with strides in samples as libyuv wants. */
#define PLANE16(picture, i) (const uint16_t *)(picture)->data[i], (picture)->linesize[i] / 2
#define PLANE8(picture, i) (picture)->data[i], (picture)->linesize[i]

/*
 * Pictures the renderers do not take (10-bit; 4:2:2 and 4:4:4 chroma)
 * become 8-bit 4:2:0 here, on the stream's thread: one pass of libyuv,
 * about as much work as a copy of the picture. Returns false for a
 * format it does not know; otherwise picture holds the converted one.
 */
static bool to_i420(AVFrame *picture)
{
	int format = picture->format;
	if (format != AV_PIX_FMT_YUV422P && format != AV_PIX_FMT_YUVJ422P &&
	    format != AV_PIX_FMT_YUV444P && format != AV_PIX_FMT_YUVJ444P &&
	    format != AV_PIX_FMT_YUV420P10LE && format != AV_PIX_FMT_YUV422P10LE &&
	    format != AV_PIX_FMT_YUV444P10LE) {
		return false;
	}
	AVFrame *out = av_frame_alloc();
	if (out == NULL) {
		g_error("libavcodec is out of memory");
	}
	out->format = AV_PIX_FMT_YUV420P;
	out->width = picture->width;
	out->height = picture->height;
	if (av_frame_get_buffer(out, 0) < 0 || av_frame_copy_props(out, picture) < 0) {
		g_error("libavcodec is out of memory");
	}
	int w = picture->width;
	int h = picture->height;
	switch (format) {
	case AV_PIX_FMT_YUV422P:
	case AV_PIX_FMT_YUVJ422P:
		I422ToI420(PLANE8(picture, 0), PLANE8(picture, 1), PLANE8(picture, 2), PLANE8(out, 0),
		           PLANE8(out, 1), PLANE8(out, 2), w, h);
		break;
	case AV_PIX_FMT_YUV444P:
	case AV_PIX_FMT_YUVJ444P:
		I444ToI420(PLANE8(picture, 0), PLANE8(picture, 1), PLANE8(picture, 2), PLANE8(out, 0),
		           PLANE8(out, 1), PLANE8(out, 2), w, h);
		break;
	case AV_PIX_FMT_YUV420P10LE:
		I010ToI420(PLANE16(picture, 0), PLANE16(picture, 1), PLANE16(picture, 2),
		           PLANE8(out, 0), PLANE8(out, 1), PLANE8(out, 2), w, h);
		break;
	case AV_PIX_FMT_YUV422P10LE:
		I210ToI420(PLANE16(picture, 0), PLANE16(picture, 1), PLANE16(picture, 2),
		           PLANE8(out, 0), PLANE8(out, 1), PLANE8(out, 2), w, h);
		break;
	default:
		I410ToI420(PLANE16(picture, 0), PLANE16(picture, 1), PLANE16(picture, 2),
		           PLANE8(out, 0), PLANE8(out, 1), PLANE8(out, 2), w, h);
		break;
	}
	/* The J formats say full range by their name alone. */
	if (format == AV_PIX_FMT_YUVJ422P || format == AV_PIX_FMT_YUVJ444P) {
		out->color_range = AVCOL_RANGE_JPEG;
	}
	av_frame_unref(picture);
	av_frame_move_ref(picture, out);
	av_frame_free(&out);
	return true;
}

/* Hands decoder->picture out, moving it into a reference of its own. */
static bool emit_picture(struct avdecoder *decoder, avdecoder_emit_fn emit, void *user,
                         char **error_text)
{
	AVFrame *picture = decoder->picture;
	enum wall_pixel_format format;
	switch (picture->format) {
	case AV_PIX_FMT_YUV420P:
	case AV_PIX_FMT_YUVJ420P:
		format = WALL_PIXEL_FORMAT_I420;
		break;
	case AV_PIX_FMT_NV12:
		format = WALL_PIXEL_FORMAT_NV12;
		break;
	default: {
		if (to_i420(picture)) {
			format = WALL_PIXEL_FORMAT_I420;
			break;
		}
		const char *name = av_get_pix_fmt_name(picture->format);
		*error_text = g_strdup_printf("pixel format %s is not supported (8 and 10 bits, "
		                              "4:2:0, 4:2:2 and 4:4:4 only)",
		                              name != NULL ? name : "unknown");
		av_frame_unref(picture);
		return false;
	}
	}
	bool full =
	        picture->color_range == AVCOL_RANGE_JPEG || picture->format == AV_PIX_FMT_YUVJ420P;
	AVFrame *held = av_frame_alloc();
	if (held == NULL) {
		/* As g_malloc() does: the wall cannot run without memory. */
		g_error("libavcodec is out of memory");
	}
	av_frame_move_ref(held, picture);
	struct wall_frame frame = {
	        .format = format,
	        .width_px = (uint32_t)held->width,
	        .height_px = (uint32_t)held->height,
	        .matrix = matrix_of(held->colorspace),
	        .range = full ? WALL_YUV_RANGE_FULL : WALL_YUV_RANGE_LIMITED,
	        .capture_time_us = take_capture_time(decoder, held->pts),
	        .release = release_picture,
	        .release_data = held,
	};
	unsigned planes = format == WALL_PIXEL_FORMAT_NV12 ? 2 : 3;
	for (unsigned i = 0; i < planes; i++) {
		frame.planes[i] = held->data[i];
		frame.strides[i] = (uint32_t)held->linesize[i];
	}
	emit(user, &frame);
	return true;
}

/* Every picture that is ready; false only on an unsupported format. */
static bool receive_pictures(struct avdecoder *decoder, avdecoder_emit_fn emit, void *user,
                             char **error_text)
{
	for (;;) {
		int result = avcodec_receive_frame(decoder->context, decoder->picture);
		if (result < 0) {
			/* EAGAIN: wants more input; EOF: drained; else a broken unit. */
			return true;
		}
		/*
		 * A picture with slices lost (a dropped packet, joining mid-frame)
		 * comes out with the holes concealed, grey or black, and every
		 * picture after it carries them on until the next key frame. The
		 * tile keeps its last good picture until then.
		 */
		AVFrame *picture = decoder->picture;
		if (picture->decode_error_flags != 0 || (picture->flags & AV_FRAME_FLAG_CORRUPT)) {
			decoder->damaged = true;
		} else if (picture->key_frame) {
			decoder->damaged = false;
		}
		if (decoder->damaged) {
			av_frame_unref(picture);
			continue;
		}
		if (!emit_picture(decoder, emit, user, error_text)) {
			return false;
		}
	}
}

bool avdecoder_decode(struct avdecoder *decoder, GstBuffer *unit, int64_t capture_time_us,
                      bool flush, avdecoder_emit_fn emit, void *user, char **error_text)
{
	gsize size = gst_buffer_get_size(unit);
	/* libavcodec reads past the end: it wants zeroed padding after the data. */
	if (size == 0 || size > INT_MAX - AV_INPUT_BUFFER_PADDING_SIZE ||
	    av_new_packet(decoder->packet, (int)size) < 0) {
		return true;
	}
	gst_buffer_extract(unit, 0, decoder->packet->data, size);
	int64_t number = decoder->next_packet++;
	unsigned slot = (unsigned)(number % CAPTURE_SLOTS);
	decoder->capture_packet[slot] = number;
	decoder->capture_us[slot] = capture_time_us;
	decoder->packet->pts = number;
	if (!GST_BUFFER_FLAG_IS_SET(unit, GST_BUFFER_FLAG_DELTA_UNIT)) {
		decoder->packet->flags |= AV_PKT_FLAG_KEY;
	}

	int sent = avcodec_send_packet(decoder->context, decoder->packet);
	bool ok = receive_pictures(decoder, emit, user, error_text);
	if (sent == AVERROR(EAGAIN) && ok) {
		/* Pictures were waiting to go out first: the unit fits now. */
		avcodec_send_packet(decoder->context, decoder->packet);
		ok = receive_pictures(decoder, emit, user, error_text);
	}
	av_packet_unref(decoder->packet);
	if (flush && ok) {
		avcodec_send_packet(decoder->context, NULL);
		ok = receive_pictures(decoder, emit, user, error_text);
		avcodec_flush_buffers(decoder->context);
	}
	return ok;
}
