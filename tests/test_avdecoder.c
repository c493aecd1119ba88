/*
 * The in-process decoder against real streams: H.264 and H.265 made here
 * by GStreamer's x264 and x265 encoders, in each stream format a parser
 * hands out, with B-frames, and in a pixel format the wall cannot show.
 */
#include "avdecoder.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <string.h>

#define WIDTH 320
#define HEIGHT 240
#define UNITS 30
/* Capture times are this plus the picture's place in display order. */
#define CAPTURE_BASE_US 1000000

/* What an encoder made: the caps and the access units, in decode order. */
struct coded {
	GstCaps *caps;
	GPtrArray *units;
};

static struct coded encode_format(const char *encoder, const char *format, const char *caps_out)
{
	char *description = g_strdup_printf(
	        "videotestsrc num-buffers=%d pattern=red ! "
	        "video/x-raw,format=%s,width=%d,height=%d,framerate=25/1 ! %s ! %s ! "
	        "appsink name=out sync=false",
	        UNITS, format, WIDTH, HEIGHT, encoder, caps_out);
	GError *error = NULL;
	GstElement *pipeline = gst_parse_launch(description, &error);
	g_assert_no_error(error);
	g_free(description);
	GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "out");
	gst_element_set_state(pipeline, GST_STATE_PLAYING);

	struct coded coded = {
	        .units = g_ptr_array_new_with_free_func((GDestroyNotify)gst_buffer_unref)};
	GstSample *sample;
	while ((sample = gst_app_sink_pull_sample(GST_APP_SINK(sink))) != NULL) {
		if (coded.caps == NULL) {
			coded.caps = gst_caps_copy(gst_sample_get_caps(sample));
		}
		g_ptr_array_add(coded.units, gst_buffer_ref(gst_sample_get_buffer(sample)));
		gst_sample_unref(sample);
	}
	gst_element_set_state(pipeline, GST_STATE_NULL);
	gst_object_unref(sink);
	gst_object_unref(pipeline);
	g_assert_nonnull(coded.caps);
	g_assert_cmpuint(coded.units->len, ==, UNITS);
	return coded;
}

static struct coded encode(const char *encoder, const char *caps_out)
{
	return encode_format(encoder, "I420", caps_out);
}

static void coded_clear(struct coded *coded)
{
	gst_caps_unref(coded->caps);
	g_ptr_array_unref(coded->units);
}

/* The picture each unit shows, from its presentation time. */
static int64_t capture_time_of(const struct coded *coded, GstBuffer *unit)
{
	/* Encoders start their clocks anywhere (x264enc at 1000 hours). */
	GstClockTime first = GST_CLOCK_TIME_NONE;
	for (guint i = 0; i < coded->units->len; i++) {
		first = MIN(first, GST_BUFFER_PTS((GstBuffer *)g_ptr_array_index(coded->units, i)));
	}
	return CAPTURE_BASE_US + (int64_t)((GST_BUFFER_PTS(unit) - first) / (GST_SECOND / 25));
}

struct seen {
	unsigned frames;
	int64_t capture_us[UNITS];
	uint8_t first_yuv[3];
	enum wall_pixel_format format;
	uint32_t width_px;
	uint32_t height_px;
};

static void on_picture(void *user, const struct wall_frame *frame)
{
	struct seen *seen = user;
	g_assert_cmpuint(seen->frames, <, UNITS);
	if (seen->frames == 0) {
		/* The middle of the picture: luma, and the chroma sample there. */
		uint32_t x = frame->width_px / 2, y = frame->height_px / 2;
		seen->first_yuv[0] = frame->planes[0][y * frame->strides[0] + x];
		seen->first_yuv[1] = frame->planes[1][y / 2 * frame->strides[1] + x / 2];
		seen->first_yuv[2] = frame->planes[2][y / 2 * frame->strides[2] + x / 2];
	}
	seen->capture_us[seen->frames++] = frame->capture_time_us;
	seen->format = frame->format;
	seen->width_px = frame->width_px;
	seen->height_px = frame->height_px;
	frame->release(frame->release_data);
}

static struct avdecoder *decoder_with(const struct coded *coded,
                                      const struct avdecoder_options *options)
{
	char *error = NULL;
	g_assert_true(avdecoder_handles(coded->caps));
	struct avdecoder *decoder = avdecoder_create(coded->caps, options, &error);
	g_assert_null(error);
	g_assert_nonnull(decoder);
	g_assert_true(avdecoder_fits(decoder, coded->caps));
	return decoder;
}

static struct avdecoder *decoder_for(const struct coded *coded)
{
	return decoder_with(coded, &(struct avdecoder_options){.threads = 1});
}

/*
 * Every unit in, flushing after the last: every picture out, in display
 * order, as 8-bit 4:2:0 whatever the input's raw format was.
 */
static void check_every_picture_from(const char *encoder, const char *format,
                                     const char *caps_out, const char *name)
{
	struct coded coded = encode_format(encoder, format, caps_out);
	struct avdecoder *decoder = decoder_for(&coded);
	g_assert_cmpstr(avdecoder_name(decoder), ==, name);
	struct seen seen = {0};
	for (guint i = 0; i < coded.units->len; i++) {
		GstBuffer *unit = g_ptr_array_index(coded.units, i);
		char *error = NULL;
		g_assert_true(avdecoder_decode(decoder, unit, capture_time_of(&coded, unit),
		                               i + 1 == coded.units->len, on_picture, &seen,
		                               &error));
		g_assert_null(error);
	}
	g_assert_cmpuint(seen.frames, ==, UNITS);
	g_assert_cmpint(seen.format, ==, WALL_PIXEL_FORMAT_I420);
	g_assert_cmpuint(seen.width_px, ==, WIDTH);
	g_assert_cmpuint(seen.height_px, ==, HEIGHT);
	for (unsigned i = 0; i < UNITS; i++) {
		g_assert_cmpint(seen.capture_us[i], ==, CAPTURE_BASE_US + (int64_t)i);
	}
	/* Red, BT.601 limited range: Y 81, Cb 90, Cr 240, give or take the codec. */
	g_assert_cmpint(abs(seen.first_yuv[0] - 81), <=, 3);
	g_assert_cmpint(abs(seen.first_yuv[1] - 90), <=, 3);
	g_assert_cmpint(abs(seen.first_yuv[2] - 240), <=, 3);
	avdecoder_destroy(decoder);
	coded_clear(&coded);
}

static void check_every_picture(const char *encoder, const char *caps_out, const char *name)
{
	check_every_picture_from(encoder, "I420", caps_out, name);
}

static void test_h264_avc(void)
{
	check_every_picture("x264enc bframes=2 key-int-max=10",
	                    "h264parse ! video/x-h264,stream-format=avc,alignment=au",
	                    "avcodec h264");
}

static void test_h264_byte_stream(void)
{
	check_every_picture("x264enc bframes=0 key-int-max=10",
	                    "h264parse ! video/x-h264,stream-format=byte-stream,alignment=au",
	                    "avcodec h264");
}

static void test_h265(void)
{
	check_every_picture("x265enc key-int-max=10",
	                    "h265parse ! video/x-h265,stream-format=byte-stream,alignment=au",
	                    "avcodec hevc");
}

/* Key frames only, each flushed: one picture per key frame, at once. */
static void test_key_frames_flushed(void)
{
	struct coded coded = encode("x264enc bframes=2 key-int-max=10",
	                            "h264parse ! video/x-h264,stream-format=avc,alignment=au");
	struct avdecoder *decoder = decoder_for(&coded);
	struct seen seen = {0};
	unsigned keys = 0;
	for (guint i = 0; i < coded.units->len; i++) {
		GstBuffer *unit = g_ptr_array_index(coded.units, i);
		if (GST_BUFFER_FLAG_IS_SET(unit, GST_BUFFER_FLAG_DELTA_UNIT)) {
			continue;
		}
		keys++;
		char *error = NULL;
		g_assert_true(avdecoder_decode(decoder, unit, capture_time_of(&coded, unit), true,
		                               on_picture, &seen, &error));
		g_assert_cmpuint(seen.frames, ==, keys);
		g_assert_cmpint(seen.capture_us[keys - 1], ==, capture_time_of(&coded, unit));
	}
	g_assert_cmpuint(keys, ==, UNITS / 10);
	avdecoder_destroy(decoder);
	coded_clear(&coded);
}

/* A copy of a byte-stream unit without its first IDR slice (NAL type 5). */
static GstBuffer *without_first_slice(GstBuffer *unit)
{
	GstMapInfo map;
	g_assert_true(gst_buffer_map(unit, &map, GST_MAP_READ));
	/* NAL units start after 00 00 01; the slice runs to the next start code. */
	gsize start = 0, end = 0;
	for (gsize i = 0; i + 3 < map.size && end == 0; i++) {
		if (map.data[i] != 0 || map.data[i + 1] != 0 || map.data[i + 2] != 1) {
			continue;
		}
		if (start != 0) {
			end = i > 0 && map.data[i - 1] == 0 ? i - 1 : i;
		} else if ((map.data[i + 3] & 0x1f) == 5) {
			start = i > 0 && map.data[i - 1] == 0 ? i - 1 : i;
		}
	}
	g_assert_cmpuint(start, >, 0);
	g_assert_cmpuint(end, >, start);
	GByteArray *bytes = g_byte_array_new();
	g_byte_array_append(bytes, map.data, (guint)start);
	g_byte_array_append(bytes, map.data + end, (guint)(map.size - end));
	gst_buffer_unmap(unit, &map);
	gsize size = bytes->len;
	GstBuffer *damaged = gst_buffer_new_wrapped(g_byte_array_free(bytes, FALSE), size);
	gst_buffer_copy_into(damaged, unit, GST_BUFFER_COPY_FLAGS | GST_BUFFER_COPY_TIMESTAMPS, 0,
	                     -1);
	return damaged;
}

/*
 * A key frame that lost a slice is concealed by the decoder, and the
 * pictures after it carry the hole: none is shown, and pictures come
 * again, whole, from the next key frame on.
 */
static void check_damaged_until_key_frame(const struct avdecoder_options *options)
{
	struct coded coded =
	        encode("x264enc bframes=0 key-int-max=10 option-string=slices=4",
	               "h264parse ! video/x-h264,stream-format=byte-stream,alignment=au");
	struct avdecoder *decoder = decoder_with(&coded, options);
	struct seen seen = {0};
	for (guint i = 0; i < coded.units->len; i++) {
		GstBuffer *unit = g_ptr_array_index(coded.units, i);
		GstBuffer *fed = i == 0 ? without_first_slice(unit) : gst_buffer_ref(unit);
		char *error = NULL;
		g_assert_true(avdecoder_decode(decoder, fed, capture_time_of(&coded, unit),
		                               i + 1 == coded.units->len, on_picture, &seen,
		                               &error));
		gst_buffer_unref(fed);
		if (i < 10) {
			g_assert_cmpuint(seen.frames, ==, 0);
		}
	}
	g_assert_cmpuint(seen.frames, ==, UNITS - 10);
	g_assert_cmpint(seen.capture_us[0], ==, CAPTURE_BASE_US + 10);
	/* Whole pictures: the middle is the red it was encoded as. */
	g_assert_cmpint(abs(seen.first_yuv[0] - 81), <=, 3);
	avdecoder_destroy(decoder);
	coded_clear(&coded);
}

/* On one thread, on frame threads, and as a live stream. */
static void test_damaged_until_key_frame(void)
{
	check_damaged_until_key_frame(&(struct avdecoder_options){.threads = 1});
	check_damaged_until_key_frame(&(struct avdecoder_options){.threads = 3});
	check_damaged_until_key_frame(&(struct avdecoder_options){.threads = 0, .live = true});
}

/*
 * 10-bit, 4:2:2 and 4:4:4 were refused ("8-bit 4:2:0 only"): now each is
 * shown, converted to 8-bit 4:2:0 on the stream's thread, colours kept.
 */
static void test_high_bit_depth_and_chroma(void)
{
	static const char *const formats[] = {"Y42B",	   "Y444",	 "I420_10LE",
					       "I422_10LE", "Y444_10LE"};
	for (size_t i = 0; i < G_N_ELEMENTS(formats); i++) {
		g_test_message("H.264 from %s", formats[i]);
		check_every_picture_from("x264enc key-int-max=10", formats[i],
		                         "h264parse ! video/x-h264,stream-format=avc,alignment=au",
		                         "avcodec h264");
	}
	static const char *const h265_formats[] = {"I420_10LE", "Y444"};
	for (size_t i = 0; i < G_N_ELEMENTS(h265_formats); i++) {
		g_test_message("H.265 from %s", h265_formats[i]);
		check_every_picture_from("x265enc key-int-max=10", h265_formats[i],
		                         "h265parse ! video/x-h265,stream-format=byte-stream,alignment=au",
		                         "avcodec hevc");
	}
}

/* A new codec configuration is a new decoder; other codecs stay with GStreamer. */
static void test_fits_and_handles(void)
{
	struct coded a = encode("x264enc key-int-max=10",
	                        "h264parse ! video/x-h264,stream-format=avc,alignment=au");
	struct coded b = encode("x264enc key-int-max=10 ! video/x-h264,profile=baseline",
	                        "h264parse ! video/x-h264,stream-format=avc,alignment=au");
	struct avdecoder *decoder = decoder_for(&a);
	g_assert_false(avdecoder_fits(decoder, b.caps));
	avdecoder_destroy(decoder);

	GstCaps *vp8 = gst_caps_from_string("video/x-vp8");
	g_assert_false(avdecoder_handles(vp8));
	gst_caps_unref(vp8);
	coded_clear(&a);
	coded_clear(&b);
}

/*
 * A host that lends picture buffers, as an isolated plugin's host does
 * with its shared pool: at most limit at a time, each one counted out
 * and back.
 */
struct lender {
	GMutex lock;
	unsigned limit;
	unsigned out;
	unsigned most_out;
	unsigned lent;
	unsigned returned;
	unsigned refused;
	/* Start and size of each buffer out, by handle. */
	GHashTable *sizes;
};

static void *lend(struct wall_source *source, size_t size_bytes, uint8_t **data)
{
	struct lender *lender = (struct lender *)source;
	g_mutex_lock(&lender->lock);
	bool refuse = lender->out >= lender->limit;
	lender->refused += refuse;
	if (!refuse) {
		lender->out++;
		lender->lent++;
		lender->most_out = MAX(lender->most_out, lender->out);
	}
	g_mutex_unlock(&lender->lock);
	if (refuse) {
		return NULL;
	}
	*data = g_aligned_alloc(1, size_bytes, 64);
	g_mutex_lock(&lender->lock);
	g_hash_table_insert(lender->sizes, *data, GSIZE_TO_POINTER(size_bytes));
	g_mutex_unlock(&lender->lock);
	return *data;
}

static void take_back(struct wall_source *source, void *buffer)
{
	struct lender *lender = (struct lender *)source;
	g_mutex_lock(&lender->lock);
	g_assert_true(g_hash_table_remove(lender->sizes, buffer));
	lender->out--;
	lender->returned++;
	g_mutex_unlock(&lender->lock);
	g_aligned_free(buffer);
}

static const struct wall_host lending_host = {
        .struct_size = sizeof(struct wall_host),
        .acquire_buffer = lend,
        .release_buffer = take_back,
};

/* Pictures kept as the wall keeps them: the newest few, released later. */
struct keeper {
	struct lender *lender;
	struct wall_frame kept[3];
	unsigned count;
	unsigned in_lent;
	unsigned frames;
	uint8_t first_y;
};

static bool in_lent_buffer(struct lender *lender, const struct wall_frame *frame)
{
	bool inside = false;
	g_mutex_lock(&lender->lock);
	GHashTableIter iter;
	gpointer start, size;
	g_hash_table_iter_init(&iter, lender->sizes);
	while (g_hash_table_iter_next(&iter, &start, &size) && !inside) {
		const uint8_t *base = start;
		const uint8_t *end = base + GPOINTER_TO_SIZE(size);
		inside = frame->planes[0] >= base &&
		         frame->planes[2] + frame->strides[2] * (frame->height_px / 2) <= end;
	}
	g_mutex_unlock(&lender->lock);
	return inside;
}

static void keep_picture(void *user, const struct wall_frame *frame)
{
	struct keeper *keeper = user;
	keeper->in_lent += in_lent_buffer(keeper->lender, frame);
	if (keeper->frames++ == 0) {
		keeper->first_y =
		        frame->planes[0][frame->height_px / 2 * frame->strides[0] + frame->width_px / 2];
	}
	/* Every stride as libavcodec's SIMD wants it, every plane 64-byte aligned. */
	for (unsigned i = 0; i < 3; i++) {
		g_assert_cmpuint((uintptr_t)frame->planes[i] % 64, ==, 0);
		g_assert_cmpuint(frame->strides[i] % 16, ==, 0);
	}
	if (keeper->count == G_N_ELEMENTS(keeper->kept)) {
		keeper->kept[0].release(keeper->kept[0].release_data);
		memmove(keeper->kept, keeper->kept + 1, sizeof(keeper->kept[0]) * (keeper->count - 1));
		keeper->count--;
	}
	keeper->kept[keeper->count++] = *frame;
}

static void keeper_release_all(struct keeper *keeper)
{
	for (unsigned i = 0; i < keeper->count; i++) {
		keeper->kept[i].release(keeper->kept[i].release_data);
	}
	keeper->count = 0;
}

/*
 * Decoded straight into the host's buffers, B-frames and frame threads
 * included: every picture lies in a lent buffer, and each buffer comes
 * back once libavcodec (its reference pictures) and the holder of the
 * pictures are both done with it, even after the decoder is gone.
 */
static void check_host_buffers(const struct avdecoder_options *base, unsigned limit,
                               bool expect_all_lent)
{
	struct coded coded = encode("x264enc bframes=2 key-int-max=10 ref=3",
	                            "h264parse ! video/x-h264,stream-format=avc,alignment=au");
	struct lender lender = {.limit = limit,
	                        .sizes = g_hash_table_new(g_direct_hash, g_direct_equal)};
	g_mutex_init(&lender.lock);
	struct avdecoder_options options = *base;
	options.host = &lending_host;
	options.source = (struct wall_source *)&lender;
	struct avdecoder *decoder = decoder_with(&coded, &options);
	struct keeper keeper = {.lender = &lender};
	for (guint i = 0; i < coded.units->len; i++) {
		GstBuffer *unit = g_ptr_array_index(coded.units, i);
		char *error = NULL;
		g_assert_true(avdecoder_decode(decoder, unit, capture_time_of(&coded, unit),
		                               i + 1 == coded.units->len, keep_picture, &keeper,
		                               &error));
		g_assert_null(error);
	}
	g_assert_cmpuint(keeper.frames, ==, UNITS);
	g_assert_cmpint(abs(keeper.first_y - 81), <=, 3);
	g_test_message("limit %u: %u of %u pictures in lent buffers, %u buffers out at most, "
	               "%u refused",
	               limit, keeper.in_lent, keeper.frames, lender.most_out, lender.refused);
	if (expect_all_lent) {
		g_assert_cmpuint(keeper.in_lent, ==, UNITS);
		g_assert_cmpuint(lender.refused, ==, 0);
	} else {
		/* Out of buffers: libavcodec's own memory takes the rest. */
		g_assert_cmpuint(lender.refused, >, 0);
		g_assert_cmpuint(keeper.in_lent, <, UNITS);
	}
	g_assert_cmpuint(lender.most_out, <=, limit);
	avdecoder_destroy(decoder);
	/* The pictures still kept hold their buffers past the decoder. */
	unsigned kept_in_lent = 0;
	for (unsigned i = 0; i < keeper.count; i++) {
		kept_in_lent += in_lent_buffer(&lender, &keeper.kept[i]);
	}
	g_assert_cmpuint(lender.out, ==, kept_in_lent);
	keeper_release_all(&keeper);
	g_assert_cmpuint(lender.out, ==, 0);
	g_assert_cmpuint(lender.returned, ==, lender.lent);
	g_hash_table_unref(lender.sizes);
	g_mutex_clear(&lender.lock);
	coded_clear(&coded);
}

static void test_host_buffers(void)
{
	check_host_buffers(&(struct avdecoder_options){.threads = 1}, 28, true);
	check_host_buffers(&(struct avdecoder_options){.threads = 3}, 28, true);
	check_host_buffers(&(struct avdecoder_options){.threads = 0, .live = true}, 28, true);
	check_host_buffers(&(struct avdecoder_options){.threads = 1}, 3, false);
}

int main(int argc, char **argv)
{
	gst_init(&argc, &argv);
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/avdecoder/h264-avc", test_h264_avc);
	g_test_add_func("/avdecoder/h264-byte-stream", test_h264_byte_stream);
	g_test_add_func("/avdecoder/h265", test_h265);
	g_test_add_func("/avdecoder/key-frames-flushed", test_key_frames_flushed);
	g_test_add_func("/avdecoder/damaged-until-key-frame", test_damaged_until_key_frame);
	g_test_add_func("/avdecoder/high-bit-depth-and-chroma", test_high_bit_depth_and_chroma);
	g_test_add_func("/avdecoder/fits-and-handles", test_fits_and_handles);
	g_test_add_func("/avdecoder/host-buffers", test_host_buffers);
	return g_test_run();
}
