#include "avdecoder.h"

#include <libavcodec/avcodec.h>
#include <libavutil/imgutils.h>
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
	/* Whose buffers pictures are decoded into, when it offers them. */
	const struct wall_host *host;
	struct wall_source *source;
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

/* Pictures in the host's buffers. */

/*
 * Alignment of every plane: libavcodec's SIMD wants STRIDE_ALIGN (at most
 * 64, for AVX-512), and a plane at a 64-byte boundary serves all. Rows
 * are aligned as avcodec_align_dimensions2() says.
 */
#define PLANE_ALIGN 64
/*
 * Bytes past each plane that libavcodec may read (or write, in its edge
 * emulation) beyond the picture, as its own buffer pool adds.
 */
#define PLANE_PADDING (16 + PLANE_ALIGN - 1)

/* One host buffer behind one AVBufferRef. */
struct host_buffer {
	const struct wall_host *host;
	struct wall_source *source;
	void *buffer;
};

/*
 * The last reference went: libavcodec dropped it as a reference picture
 * and the host released every frame shown from it. Any thread.
 */
static void give_back(void *opaque, uint8_t *data)
{
	struct host_buffer *held = opaque;
	held->host->release_buffer(held->source, held->buffer);
	g_free(held);
}

/*
 * The plane layout libavcodec's own allocator would pick for frame
 * (avcodec_default_get_buffer2): coded dimensions rounded up as the codec
 * needs them, and rows long enough that every stride is aligned. Fills
 * linesizes and plane offsets; returns the bytes needed, or 0.
 */
static size_t plan_planes(AVCodecContext *context, const AVFrame *frame, int linesizes[4],
                          size_t offsets[4])
{
	int width = frame->width;
	int height = frame->height;
	int align[AV_NUM_DATA_POINTERS];
	avcodec_align_dimensions2(context, &width, &height, align);
	bool unaligned;
	do {
		if (av_image_fill_linesizes(linesizes, frame->format, width) < 0) {
			return 0;
		}
		/* Widen by the lowest set bit until every stride is a multiple of its alignment. */
		width += width & ~(width - 1);
		unaligned = false;
		for (unsigned i = 0; i < 4; i++) {
			unaligned |= align[i] > 0 && linesizes[i] % align[i] != 0;
		}
	} while (unaligned);
	size_t sizes[4];
	ptrdiff_t strides[4];
	for (unsigned i = 0; i < 4; i++) {
		strides[i] = linesizes[i];
	}
	if (av_image_fill_plane_sizes(sizes, frame->format, height, strides) < 0) {
		return 0;
	}
	size_t total = 0;
	for (unsigned i = 0; i < 4; i++) {
		offsets[i] = total;
		if (sizes[i] > 0) {
			total += (sizes[i] + PLANE_PADDING + PLANE_ALIGN - 1) &
			         ~(size_t)(PLANE_ALIGN - 1);
		}
	}
	return total;
}

/*
 * libavcodec's get_buffer2: the picture goes into a host buffer when the
 * host gives one, so an isolated camera's wall shows what was decoded
 * where it was decoded. A reference picture keeps its buffer (through
 * its AVBufferRef) until libavcodec and the wall are both done with it.
 * Anything else, and a host out of buffers, gets libavcodec's own memory.
 */
static int get_buffer(AVCodecContext *context, AVFrame *frame, int flags)
{
	struct avdecoder *decoder = context->opaque;
	bool planar420 =
	        frame->format == AV_PIX_FMT_YUV420P || frame->format == AV_PIX_FMT_YUVJ420P;
	int linesizes[4];
	size_t offsets[4];
	size_t total = planar420 && (context->codec->capabilities & AV_CODEC_CAP_DR1)
	                       ? plan_planes(context, frame, linesizes, offsets)
	                       : 0;
	uint8_t *data = NULL;
	void *buffer =
	        total > 0 ? decoder->host->acquire_buffer(decoder->source, total, &data) : NULL;
	if (buffer == NULL) {
		return avcodec_default_get_buffer2(context, frame, flags);
	}
	struct host_buffer *held = g_new(struct host_buffer, 1);
	*held = (struct host_buffer){
	        .host = decoder->host, .source = decoder->source, .buffer = buffer};
	frame->buf[0] = av_buffer_create(data, (size_t)total, give_back, held, 0);
	if (frame->buf[0] == NULL) {
		give_back(held, data);
		return AVERROR(ENOMEM);
	}
	for (unsigned i = 0; i < 4; i++) {
		frame->data[i] = linesizes[i] > 0 ? data + offsets[i] : NULL;
		frame->linesize[i] = linesizes[i];
	}
	frame->extended_data = frame->data;
	return 0;
}

/*
 * Before libavcodec 60, frame threads hand every call of a get_buffer2
 * not marked thread-safe to the thread that feeds the decoder, and wait
 * for it: several wakeups a picture, which cost an isolated camera a few
 * per cent of a core. get_buffer() is safe on any thread (the host's
 * acquire_buffer is); libavcodec 60 and later assume so of every one.
 */
static void say_get_buffer_is_thread_safe(AVCodecContext *context)
{
#if LIBAVCODEC_VERSION_MAJOR < 60
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
	context->thread_safe_callbacks = 1;
#pragma GCC diagnostic pop
#else
	(void)context;
#endif
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
	if (options->host != NULL && WALL_HOST_HAS(options->host, acquire_buffer) &&
	    WALL_HOST_HAS(options->host, release_buffer)) {
		decoder->host = options->host;
		decoder->source = options->source;
		context->opaque = decoder;
		context->get_buffer2 = get_buffer;
		say_get_buffer_is_thread_safe(context);
	}
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
		I422ToI420(PLANE8(picture, 0), PLANE8(picture, 1), PLANE8(picture, 2),
		           PLANE8(out, 0), PLANE8(out, 1), PLANE8(out, 2), w, h);
		break;
	case AV_PIX_FMT_YUV444P:
	case AV_PIX_FMT_YUVJ444P:
		I444ToI420(PLANE8(picture, 0), PLANE8(picture, 1), PLANE8(picture, 2),
		           PLANE8(out, 0), PLANE8(out, 1), PLANE8(out, 2), w, h);
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
