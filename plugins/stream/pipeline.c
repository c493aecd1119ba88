#include "pipeline.h"

#include "avdecoder.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/pbutils/pbutils.h>
#include <gst/video/video.h>
#include <string.h>

struct pipeline {
	struct pipeline_config config;
	struct pipeline_callbacks callbacks;
	void *user;

	GstElement *bin;
	/* uridecodebin, or the source of an explicit chain. */
	GstElement *decode;
	/* The explicit chain's parser and decoder; NULL with uridecodebin. */
	GstElement *parse;
	GstElement *video_decoder;
	GstElement *sink;
	/* The video reached the sink, decoded or to be decoded there. */
	bool video_linked;
	/* Paced by the sender, not by the clock. */
	bool live;
	/* Decodes what reaches the sink coded; streaming thread only. */
	struct avdecoder *avdecoder;
	/* The stream cannot be decoded; its error is on the bus. */
	bool undecodable;
	/* The KLV metadata sink, once a metadata stream showed up. */
	GstElement *klv_sink;
	GSource *bus_watch;
	/* Set once failed() was called. Context thread only. */
	bool failed;

	/* Streaming threads write these; the camera reads them. */
	GMutex lock;
	char *codec;
	char *decoder;
	uint64_t bytes_in;
	uint64_t frames;
	bool answered;
	/* A key frame reached the decoder; until then, nothing else may. */
	bool keyed;
	/* Only key frames reach the decoder: the option, or a hidden stream. */
	bool keyframes_only;
	/* The caps the last frame came with, and what they say. */
	GstCaps *caps;
	GstVideoInfo info;
	bool caps_ok;
};

/* A mapped frame out with the host; the mapping holds a buffer ref. */
struct held_frame {
	GstVideoFrame frame;
};

/* Decoders. */

/*
 * Hardware decoders that GStreamer may rank at or below the software
 * ones. GStreamer registers them only when their device works, so a name
 * found in the registry is a decoder that can run here.
 */
static const char *const hardware_decoders[] = {
	"nvh264dec", "nvh265dec", "nvh264sldec", "nvh265sldec",
	"vah264dec", "vah265dec", "vaapih264dec", "vaapih265dec",
	"v4l2h264dec", "v4l2h265dec", "v4l2slh264dec", "v4l2slh265dec",
};

static void prefer_hardware(void)
{
	GstRegistry *registry = gst_registry_get();
	for (unsigned i = 0; i < G_N_ELEMENTS(hardware_decoders); i++) {
		GstPluginFeature *feature =
			gst_registry_lookup_feature(registry, hardware_decoders[i]);
		if (feature == NULL) {
			continue;
		}
		if (gst_plugin_feature_get_rank(feature) <= GST_RANK_PRIMARY) {
			gst_plugin_feature_set_rank(feature, GST_RANK_PRIMARY + 1);
		}
		gst_object_unref(feature);
	}
}

bool pipeline_global_init(char **error_text)
{
	static gsize done = 0;
	static char *init_error = NULL;
	if (g_once_init_enter(&done)) {
		GError *error = NULL;
		if (gst_init_check(NULL, NULL, &error)) {
			prefer_hardware();
		} else {
			init_error = g_strdup_printf("GStreamer did not start: %s",
						     error->message);
			g_error_free(error);
		}
		g_once_init_leave(&done, 1);
	}
	if (init_error != NULL) {
		*error_text = g_strdup(init_error);
		return false;
	}
	return true;
}

/* Scrubbing. */

/* Where a URL's text ends in a log line or a message. */
static size_t url_length(const char *url)
{
	return strcspn(url, " \t\r\n\"'<>");
}

const char *pipeline_userinfo_end(const char *authority)
{
	/*
	 * The last '@' before the query: a password may hold an unescaped
	 * '/' ("rtsp://admin:Pa/ss9@host/"), which a strict parser would
	 * take for the start of the path, leaking "admin:Pa" as the host.
	 */
	size_t length = url_length(authority);
	size_t query = strcspn(authority, "?#");
	const char *at = g_strrstr_len(authority, (gssize)MIN(length, query), "@");
	return at;
}

/* Query keys whose values are secrets: "?user=admin&password=…". */
static bool secret_key(const char *key, size_t length)
{
	static const char *const keys[] = {
		"user",	 "username", "password", "passwd", "pwd",    "pass",	   "token",
		"access_token", "auth",	   "secret",   "sign",	 "signature", "key",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
		if (strlen(keys[i]) == length && g_ascii_strncasecmp(key, keys[i], length) == 0) {
			return true;
		}
	}
	return false;
}

/* Mask the values of secret query keys in every URL of text. */
static void scrub_query(GString *text)
{
	for (size_t i = 0; i < text->len; i++) {
		char c = text->str[i];
		if (c != '?' && c != '&' && c != ';') {
			continue;
		}
		const char *key = text->str + i + 1;
		size_t key_length = strcspn(key, "=&#; \t\r\n\"'");
		if (key[key_length] != '=' || !secret_key(key, key_length)) {
			continue;
		}
		size_t value_start = i + 1 + key_length + 1;
		size_t value_length = strcspn(text->str + value_start, "&#; \t\r\n\"'<>");
		g_string_erase(text, (gssize)value_start, (gssize)value_length);
		g_string_insert(text, (gssize)value_start, "***");
		i = value_start + 2;
	}
}

char *pipeline_scrub(const char *text, const char *password)
{
	if (text == NULL) {
		return NULL;
	}
	/* Every "://user:pw@" loses what lies between "://" and the '@'. */
	GString *scrubbed = g_string_new(NULL);
	const char *rest = text;
	const char *scheme_end;
	while ((scheme_end = strstr(rest, "://")) != NULL) {
		const char *authority = scheme_end + 3;
		g_string_append_len(scrubbed, rest, authority - rest);
		const char *at = pipeline_userinfo_end(authority);
		rest = at != NULL ? at + 1 : authority;
	}
	g_string_append(scrubbed, rest);
	scrub_query(scrubbed);
	if (password != NULL && *password != '\0' && strstr(scrubbed->str, password) != NULL) {
		char **parts = g_strsplit(scrubbed->str, password, -1);
		char *masked = g_strjoinv("***", parts);
		g_strfreev(parts);
		g_string_assign(scrubbed, masked);
		g_free(masked);
	}
	return g_string_free(scrubbed, FALSE);
}

/* Errors into the user's words. */

static bool contains(const char *haystack, const char *needle)
{
	return haystack != NULL && strstr(haystack, needle) != NULL;
}

static bool scheme_is(const char *uri, const char *a, const char *b)
{
	char *scheme = g_uri_parse_scheme(uri);
	bool is = scheme != NULL && (g_ascii_strcasecmp(scheme, a) == 0 ||
				     (b != NULL && g_ascii_strcasecmp(scheme, b) == 0));
	g_free(scheme);
	return is;
}

/*
 * GStreamer's error codes say little about network failures (a refused
 * connection and an unknown host are both OPEN_READ_WRITE), so the texts
 * of the message and the debug string are read too.
 */
static const char *reason_for(const char *uri, const GError *error, const char *debug)
{
	char *text = g_ascii_strdown(error->message, -1);
	char *more = g_ascii_strdown(debug != NULL ? debug : "", -1);
	bool web = scheme_is(uri, "rtsp", "rtsps") || scheme_is(uri, "http", "https") ||
		   scheme_is(uri, "rtspt", "rtspu");
	const char *reason = NULL;

	if (error->domain == GST_RESOURCE_ERROR &&
	    error->code == GST_RESOURCE_ERROR_NOT_AUTHORIZED) {
		reason = "authentication failed";
	} else if (error->domain == GST_RESOURCE_ERROR &&
		   error->code == GST_RESOURCE_ERROR_NOT_FOUND) {
		reason = web ? "not found (404)" : "not found";
	} else if (contains(text, "unauthorized") || contains(more, "unauthorized") ||
		   contains(more, "401")) {
		reason = "authentication failed";
	} else if (contains(text, "refused") || contains(more, "refused")) {
		reason = "connection refused";
	} else if (contains(more, "resolve") || contains(more, "name or service") ||
		   contains(more, "name resolution") || contains(text, "resolve") ||
		   contains(more, "host not found") || contains(more, "unknown host")) {
		reason = "host not found";
	} else if (contains(text, "not found") || contains(more, "404")) {
		reason = web ? "not found (404)" : "not found";
	} else if (contains(text, "timed out") || contains(more, "timed out") ||
		   contains(more, "timeout")) {
		reason = "connection timed out";
	} else if (contains(more, "unreachable")) {
		reason = "network unreachable";
	} else if (contains(more, "gst_rtspsrc_setup_streams_start")) {
		/*
		 * rtspsrc found no stream it could set up: every SETUP was
		 * answered 461, and uridecodebin calls that a missing plugin.
		 */
		reason = PIPELINE_TRANSPORT_REFUSED;
	} else if (error->domain == GST_CORE_ERROR &&
		   error->code == GST_CORE_ERROR_MISSING_PLUGIN) {
		reason = "no decoder for this video";
	} else if (error->domain == GST_STREAM_ERROR &&
		   (error->code == GST_STREAM_ERROR_CODEC_NOT_FOUND ||
		    error->code == GST_STREAM_ERROR_FORMAT)) {
		reason = "no decoder for this video";
	} else if (error->domain == GST_STREAM_ERROR &&
		   (error->code == GST_STREAM_ERROR_WRONG_TYPE ||
		    error->code == GST_STREAM_ERROR_TYPE_NOT_FOUND ||
		    error->code == GST_STREAM_ERROR_DEMUX)) {
		reason = "no video";
	} else if (contains(more, "not-negotiated") ||
		   (error->domain == GST_CORE_ERROR && error->code == GST_CORE_ERROR_NEGOTIATION)) {
		reason = "unsupported video format";
	} else if (error->domain == GST_STREAM_ERROR && error->code == GST_STREAM_ERROR_DECODE) {
		reason = "video could not be decoded";
	} else if (error->domain == GST_RESOURCE_ERROR &&
		   (error->code == GST_RESOURCE_ERROR_READ ||
		    error->code == GST_RESOURCE_ERROR_WRITE ||
		    error->code == GST_RESOURCE_ERROR_OPEN_READ ||
		    error->code == GST_RESOURCE_ERROR_OPEN_READ_WRITE)) {
		reason = "connection lost";
	} else {
		reason = "stream error";
	}
	g_free(text);
	g_free(more);
	return reason;
}

/* Bus, on the context's thread. */

static void fail(struct pipeline *pipeline, const char *reason, const char *detail)
{
	if (pipeline->failed) {
		return;
	}
	pipeline->failed = true;
	char *scrubbed = pipeline_scrub(detail, pipeline->config.password);
	/* One log line per failure. */
	g_strdelimit(scrubbed, "\r\n", ' ');
	/* The callee may destroy pipeline: touch nothing after this. */
	pipeline->callbacks.failed(pipeline->user, pipeline, reason, scrubbed);
	g_free(scrubbed);
}

static gboolean on_bus(GstBus *bus, GstMessage *message, gpointer user)
{
	struct pipeline *pipeline = user;
	switch (GST_MESSAGE_TYPE(message)) {
	case GST_MESSAGE_ERROR: {
		GError *error = NULL;
		char *debug = NULL;
		gst_message_parse_error(message, &error, &debug);
		const char *reason = reason_for(pipeline->config.uri, error, debug);
		char *detail = g_strdup_printf("%s (%s)", error->message,
					       debug != NULL ? debug : "no details");
		g_error_free(error);
		g_free(debug);
		fail(pipeline, reason, detail);
		g_free(detail);
		break;
	}
	case GST_MESSAGE_EOS:
		fail(pipeline, PIPELINE_STREAM_ENDED, "end of stream");
		break;
	default:
		break;
	}
	return G_SOURCE_CONTINUE;
}

/*
 * Decoders running in this process, for sizing their threads: a wall of
 * many streams already keeps every core busy with one thread each, and
 * frame threads on top only add switches, memory and a frame of latency
 * per thread.
 */
static gint running_pipelines;

/* Threads for a software decoder; 0 leaves the decoder's own choice. */
static int decoder_threads(const struct pipeline *pipeline)
{
	if (pipeline->config.keyframes_only) {
		/* Each frame thread holds a picture back: one GOP late each. */
		return 1;
	}
	return g_atomic_int_get(&running_pipelines) >= (gint)g_get_num_processors() ? 1 : 0;
}

/* Streaming threads. */

static void release_frame(void *data)
{
	struct held_frame *held = data;
	/* Unmapping drops the buffer reference the mapping took. */
	gst_video_frame_unmap(&held->frame);
	g_free(held);
}

static enum wall_yuv_matrix matrix_of(const GstVideoInfo *info)
{
	switch (info->colorimetry.matrix) {
	case GST_VIDEO_COLOR_MATRIX_BT709:
		return WALL_YUV_MATRIX_BT709;
	case GST_VIDEO_COLOR_MATRIX_BT601:
		return WALL_YUV_MATRIX_BT601;
	default:
		return WALL_YUV_MATRIX_DEFAULT;
	}
}

/* Seconds from the NTP epoch (1900) to the Unix one (1970). */
#define NTP_TO_UNIX_S G_GINT64_CONSTANT(2208988800)

/*
 * When the sender captured the picture, in the wall's clock, or 0 when
 * unknown. An RTP sender maps its RTP timestamps to NTP time (RTCP sender
 * reports, RFC 6051 header extensions); the jitter buffer stamps each
 * packet with it, and the stamp rides through the depayloader and the
 * decoder. The sender's NTP clock and this machine's realtime clock must
 * agree (NTP-synced, or one machine), or the latency is off by their
 * difference.
 */
static int64_t capture_time_of(GstBuffer *buffer)
{
	static GstCaps *ntp_caps;
	static gsize once = 0;
	if (g_once_init_enter(&once)) {
		ntp_caps = gst_caps_new_empty_simple("timestamp/x-ntp");
		g_once_init_leave(&once, 1);
	}
	GstReferenceTimestampMeta *meta = gst_buffer_get_reference_timestamp_meta(buffer, ntp_caps);
	if (meta == NULL || meta->timestamp == GST_CLOCK_TIME_NONE) {
		return 0;
	}
	int64_t unix_us = (int64_t)(meta->timestamp / GST_USECOND) - NTP_TO_UNIX_S * G_USEC_PER_SEC;
	return unix_us - g_get_real_time() + g_get_monotonic_time();
}

/* A decoded frame out to the stream; it owns the planes from here on. */
static void hand_out(void *user, const struct wall_frame *frame)
{
	struct pipeline *pipeline = user;
	g_mutex_lock(&pipeline->lock);
	pipeline->frames++;
	g_mutex_unlock(&pipeline->lock);
	pipeline->callbacks.frame(pipeline->user, pipeline, frame);
}

/* Once: the bus watch fails the pipeline, and the units still coming are dropped. */
static void post_error(struct pipeline *pipeline, GQuark domain, gint code, const char *text)
{
	pipeline->undecodable = true;
	GError *error = g_error_new_literal(domain, code, text);
	gst_element_post_message(pipeline->sink, gst_message_new_error(GST_OBJECT(pipeline->sink),
								      error, text));
	g_error_free(error);
}

/* Status reads the picture's size from info, as for decoded caps. */
static void note_picture(void *user, const struct wall_frame *frame)
{
	struct pipeline *pipeline = user;
	g_mutex_lock(&pipeline->lock);
	if (!pipeline->caps_ok ||
	    GST_VIDEO_INFO_WIDTH(&pipeline->info) != (gint)frame->width_px ||
	    GST_VIDEO_INFO_HEIGHT(&pipeline->info) != (gint)frame->height_px) {
		GstVideoFormat format = frame->format == WALL_PIXEL_FORMAT_NV12
						? GST_VIDEO_FORMAT_NV12
						: GST_VIDEO_FORMAT_I420;
		pipeline->caps_ok = gst_video_info_set_format(&pipeline->info, format,
							      frame->width_px, frame->height_px);
	}
	g_mutex_unlock(&pipeline->lock);
	hand_out(pipeline, frame);
}

/* A coded access unit, for the in-process decoder. */
static void decode_unit(struct pipeline *pipeline, GstCaps *caps, GstBuffer *unit)
{
	if (pipeline->undecodable) {
		return;
	}
	if (pipeline->avdecoder != NULL && !avdecoder_fits(pipeline->avdecoder, caps)) {
		avdecoder_destroy(pipeline->avdecoder);
		pipeline->avdecoder = NULL;
	}
	char *error_text = NULL;
	if (pipeline->avdecoder == NULL) {
		struct avdecoder_options options = {
			.threads = decoder_threads(pipeline),
			.live = pipeline->live,
			.host = pipeline->config.host,
			.source = pipeline->config.source,
		};
		pipeline->avdecoder = avdecoder_create(caps, &options, &error_text);
		if (pipeline->avdecoder == NULL) {
			post_error(pipeline, GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE, error_text);
			g_free(error_text);
			return;
		}
		g_mutex_lock(&pipeline->lock);
		g_free(pipeline->decoder);
		pipeline->decoder = g_strdup(avdecoder_name(pipeline->avdecoder));
		g_mutex_unlock(&pipeline->lock);
	}
	g_mutex_lock(&pipeline->lock);
	bool keyframes_only = pipeline->keyframes_only;
	g_mutex_unlock(&pipeline->lock);
	if (!avdecoder_decode(pipeline->avdecoder, unit, capture_time_of(unit), keyframes_only,
			      note_picture, pipeline, &error_text)) {
		post_error(pipeline, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION, error_text);
		g_free(error_text);
	}
}

static bool is_raw(GstCaps *caps)
{
	return caps != NULL && gst_caps_get_size(caps) > 0 &&
	       gst_structure_has_name(gst_caps_get_structure(caps, 0), "video/x-raw");
}

static GstFlowReturn on_new_sample(GstAppSink *sink, gpointer user)
{
	struct pipeline *pipeline = user;
	GstSample *sample = gst_app_sink_pull_sample(sink);
	if (sample == NULL) {
		return GST_FLOW_EOS;
	}
	GstCaps *caps = gst_sample_get_caps(sample);
	GstBuffer *buffer = gst_sample_get_buffer(sample);
	if (caps != NULL && buffer != NULL && !is_raw(caps)) {
		decode_unit(pipeline, caps, buffer);
		gst_sample_unref(sample);
		return GST_FLOW_OK;
	}

	g_mutex_lock(&pipeline->lock);
	if (caps != NULL && caps != pipeline->caps) {
		gst_caps_replace(&pipeline->caps, caps);
		pipeline->caps_ok = gst_video_info_from_caps(&pipeline->info, caps);
	}
	GstVideoInfo info = pipeline->info;
	bool caps_ok = pipeline->caps_ok && caps != NULL;
	g_mutex_unlock(&pipeline->lock);

	struct held_frame *held = g_new0(struct held_frame, 1);
	if (buffer == NULL || !caps_ok ||
	    !gst_video_frame_map(&held->frame, &info, buffer, GST_MAP_READ)) {
		g_free(held);
		gst_sample_unref(sample);
		return GST_FLOW_OK;
	}
	/* The mapping holds its own reference to the buffer. */
	gst_sample_unref(sample);

	GstVideoFormat format = GST_VIDEO_FRAME_FORMAT(&held->frame);
	struct wall_frame frame = {
		.format = format == GST_VIDEO_FORMAT_NV12 ? WALL_PIXEL_FORMAT_NV12
							  : WALL_PIXEL_FORMAT_I420,
		.width_px = (uint32_t)GST_VIDEO_FRAME_WIDTH(&held->frame),
		.height_px = (uint32_t)GST_VIDEO_FRAME_HEIGHT(&held->frame),
		.matrix = matrix_of(&info),
		.range = info.colorimetry.range == GST_VIDEO_COLOR_RANGE_0_255
				 ? WALL_YUV_RANGE_FULL
				 : WALL_YUV_RANGE_LIMITED,
		.capture_time_us = capture_time_of(buffer),
		.release = release_frame,
		.release_data = held,
	};
	unsigned planes = GST_VIDEO_FRAME_N_PLANES(&held->frame);
	for (unsigned i = 0; i < planes && i < 3; i++) {
		frame.planes[i] = GST_VIDEO_FRAME_PLANE_DATA(&held->frame, i);
		frame.strides[i] = (uint32_t)GST_VIDEO_FRAME_PLANE_STRIDE(&held->frame, i);
	}

	hand_out(pipeline, &frame);
	return GST_FLOW_OK;
}

/*
 * The sink reads strides and plane offsets from GstVideoMeta (through
 * gst_video_frame_map), so the decoder may hand out the buffers it decoded
 * into, padded as it likes. Without this a software decoder copies every
 * frame into a tightly packed buffer.
 */
static GstPadProbeReturn on_sink_query(GstPad *pad, GstPadProbeInfo *info, gpointer user)
{
	GstQuery *query = GST_PAD_PROBE_INFO_QUERY(info);
	if (GST_QUERY_TYPE(query) == GST_QUERY_ALLOCATION &&
	    !gst_query_find_allocation_meta(query, GST_VIDEO_META_API_TYPE, NULL)) {
		gst_query_add_allocation_meta(query, GST_VIDEO_META_API_TYPE, NULL);
	}
	return GST_PAD_PROBE_OK;
}

/* Counts what reaches the decoder and learns the codec from its caps. */
static GstPadProbeReturn on_decoder_input(GstPad *pad, GstPadProbeInfo *info, gpointer user)
{
	struct pipeline *pipeline = user;
	uint64_t bytes = 0;
	bool key = false;
	if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
		GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);
		bytes = gst_buffer_get_size(buffer);
		key = !GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
	} else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
		GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
		bytes = gst_buffer_list_calculate_size(list);
		for (guint i = 0; i < gst_buffer_list_length(list) && !key; i++) {
			key = !GST_BUFFER_FLAG_IS_SET(gst_buffer_list_get(list, i),
						      GST_BUFFER_FLAG_DELTA_UNIT);
		}
	} else if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
		GstEvent *event = GST_PAD_PROBE_INFO_EVENT(info);
		if (GST_EVENT_TYPE(event) == GST_EVENT_CAPS) {
			GstCaps *caps;
			gst_event_parse_caps(event, &caps);
			char *codec = gst_pb_utils_get_codec_description(caps);
			g_mutex_lock(&pipeline->lock);
			g_free(pipeline->codec);
			pipeline->codec = codec;
			g_mutex_unlock(&pipeline->lock);
		}
		return GST_PAD_PROBE_OK;
	}
	g_mutex_lock(&pipeline->lock);
	pipeline->bytes_in += bytes;
	pipeline->keyed = pipeline->keyed || key;
	bool keyed = pipeline->keyed;
	bool keyframes_only = pipeline->keyframes_only;
	g_mutex_unlock(&pipeline->lock);
	if (keyframes_only && !key) {
		/* A key frame decodes alone: a thumbnail needs nothing else. */
		return GST_PAD_PROBE_DROP;
	}
	/*
	 * A stream joined mid-GOP starts with frames that refer to a key
	 * frame never received; decoded, they come out black or smeared, and
	 * not every decoder flags them as corrupt. They are dropped before the
	 * decoder, so a tile keeps its slate or its old stream until the first
	 * whole picture.
	 */
	return keyed ? GST_PAD_PROBE_OK : GST_PAD_PROBE_DROP;
}

/* Decoders for caps, best-ranked first: free with gst_plugin_feature_list_free. */
static GList *decoders_for(GstCaps *caps)
{
	GList *all = gst_element_factory_list_get_elements(
		GST_ELEMENT_FACTORY_TYPE_DECODER | GST_ELEMENT_FACTORY_TYPE_MEDIA_VIDEO,
		GST_RANK_MARGINAL);
	GList *fit = gst_element_factory_list_filter(all, caps, GST_PAD_SINK, FALSE);
	gst_plugin_feature_list_free(all);
	return g_list_sort(fit, gst_plugin_feature_rank_compare_func);
}

/*
 * Whether the video is decoded in the sink's thread by libavcodec rather
 * than by a GStreamer element: for a codec avdecoder handles, unless
 * GStreamer's own choice (factory, or its best-ranked decoder when NULL)
 * is something other than libav's software decoder. A hardware decoder
 * keeps its place.
 */
static bool decodes_in_process(GstCaps *caps, GstElementFactory *factory)
{
	if (!avdecoder_handles(caps)) {
		return false;
	}
	GList *fit = factory == NULL ? decoders_for(caps) : NULL;
	if (fit != NULL) {
		factory = fit->data;
	}
	bool libav = factory == NULL ||
		     g_str_has_prefix(gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(factory)),
				      "avdec_");
	gst_plugin_feature_list_free(fit);
	return libav;
}

/* Counts and filters what reaches the decoder, wherever that is. */
static void watch_decoder_input(struct pipeline *pipeline, GstPad *pad)
{
	gst_pad_add_probe(pad,
			  GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST |
				  GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
			  on_decoder_input, pipeline, NULL);
}

/* A parsed video stream straight into the sink, which decodes it. */
static void link_coded(struct pipeline *pipeline, GstPad *pad)
{
	GstPad *sink_pad = gst_element_get_static_pad(pipeline->sink, "sink");
	if (!gst_pad_is_linked(sink_pad) && gst_pad_link(pad, sink_pad) == GST_PAD_LINK_OK) {
		pipeline->video_linked = true;
		watch_decoder_input(pipeline, sink_pad);
	}
	gst_object_unref(sink_pad);
}

static bool is_video_decoder(GstElementFactory *factory)
{
	const char *klass = gst_element_factory_get_metadata(factory, GST_ELEMENT_METADATA_KLASS);
	return klass != NULL && strstr(klass, "Decoder") != NULL && strstr(klass, "Video") != NULL;
}

static bool has_property(GstElement *element, const char *name)
{
	return g_object_class_find_property(G_OBJECT_GET_CLASS(element), name) != NULL;
}

static void on_element_added(GstBin *bin, GstBin *sub_bin, GstElement *element, gpointer user)
{
	struct pipeline *pipeline = user;
	GstElementFactory *factory = gst_element_get_factory(element);
	if (factory == NULL) {
		return;
	}
	if (has_property(element, "wait-for-keyframe")) {
		/*
		 * A lost or late packet (the jitter buffer drops what comes after
		 * latency_ms) leaves a picture with missing slices; the decoder
		 * does not always flag it. The depayloader drops everything up to
		 * the next key frame instead, and asks the camera for one.
		 */
		g_object_set(element, "wait-for-keyframe", TRUE, NULL);
		if (has_property(element, "request-keyframe")) {
			g_object_set(element, "request-keyframe", TRUE, NULL);
		}
	}
	if (!is_video_decoder(factory)) {
		return;
	}
	/*
	 * A decoder that joins mid-GOP would show grey smears until the next
	 * key frame; a tile keeps its last good picture instead.
	 */
	if (has_property(element, "output-corrupt")) {
		g_object_set(element, "output-corrupt", FALSE, NULL);
	}
	if (has_property(element, "max-threads") && decoder_threads(pipeline) > 0) {
		g_object_set(element, "max-threads", decoder_threads(pipeline), NULL);
	}
	GstPad *pad = gst_element_get_static_pad(element, "sink");
	if (pad != NULL) {
		watch_decoder_input(pipeline, pad);
		gst_object_unref(pad);
	}
	g_mutex_lock(&pipeline->lock);
	g_free(pipeline->decoder);
	pipeline->decoder = g_strdup(gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(factory)));
	g_mutex_unlock(&pipeline->lock);
}

/*
 * Only video streams of an RTSP session are set up at all, and metadata
 * ones when they are wanted.
 */
static gboolean on_select_stream(GstElement *source, guint index, GstCaps *caps, gpointer user)
{
	struct pipeline *pipeline = user;
	GstStructure *structure = gst_caps_get_structure(caps, 0);
	const char *media = gst_structure_get_string(structure, "media");
	return media == NULL || g_str_equal(media, "video") ||
	       (pipeline->config.metadata && g_str_equal(media, "application"));
}

static bool is_klv(GstCaps *caps)
{
	return caps != NULL && gst_caps_get_size(caps) > 0 &&
	       gst_structure_has_name(gst_caps_get_structure(caps, 0), "meta/x-klv");
}

static void on_source_setup(GstElement *decode, GstElement *source, gpointer user)
{
	struct pipeline *pipeline = user;
	GObjectClass *klass = G_OBJECT_GET_CLASS(source);
	const struct pipeline_config *config = &pipeline->config;

	if (g_object_class_find_property(klass, "latency") != NULL) {
		g_object_set(source, "latency", (guint)config->latency_ms, NULL);
	}
	if (g_object_class_find_property(klass, "add-reference-timestamp-meta") != NULL) {
		/* The sender's capture time, for glass-to-glass latency. */
		g_object_set(source, "add-reference-timestamp-meta", TRUE, NULL);
	}
	if (g_object_class_find_property(klass, "drop-on-latency") != NULL) {
		/* Live edge: a late packet is dropped, never waited for. */
		g_object_set(source, "drop-on-latency", TRUE, NULL);
	}
	if (g_object_class_find_property(klass, "protocols") != NULL &&
	    config->transport != TRANSPORT_AUTO) {
		gst_util_set_object_arg(G_OBJECT(source), "protocols",
					config->transport == TRANSPORT_UDP ? "udp" : "tcp");
	}
	if (g_object_class_find_property(klass, "tcp-timeout") != NULL) {
		/* How long a connect may take before it counts as failed. */
		g_object_set(source, "tcp-timeout", (guint64)5 * G_USEC_PER_SEC, NULL);
	}
	if (g_object_class_find_property(klass, "user-id") != NULL && config->user != NULL) {
		g_object_set(source, "user-id", config->user, NULL);
	}
	if (g_object_class_find_property(klass, "user-pw") != NULL && config->password != NULL) {
		g_object_set(source, "user-pw", config->password, NULL);
	}
	if (g_signal_lookup("select-stream", G_OBJECT_TYPE(source)) != 0) {
		g_signal_connect(source, "select-stream", G_CALLBACK(on_select_stream), pipeline);
	}
}

/*
 * Audio is left undecoded and thrown away. KLV has no decoder: it is
 * exposed as it is, or decodebin would call it an unknown stream.
 */
static gboolean on_autoplug_continue(GstElement *decode, GstPad *pad, GstCaps *caps,
				     gpointer user)
{
	GstStructure *structure = gst_caps_get_structure(caps, 0);
	return !g_str_has_prefix(gst_structure_get_name(structure), "audio/") && !is_klv(caps);
}

/* decodebin's answers to "autoplug-select"; their enum is in no public header. */
enum autoplug_select {
	AUTOPLUG_SELECT_TRY = 0,
	AUTOPLUG_SELECT_EXPOSE = 1,
};

/* libav's decoder is not plugged: the stream reaches the sink coded. */
static gint on_autoplug_select(GstElement *decode, GstPad *pad, GstCaps *caps,
			       GstElementFactory *factory, gpointer user)
{
	return decodes_in_process(caps, factory) ? AUTOPLUG_SELECT_EXPOSE : AUTOPLUG_SELECT_TRY;
}

static GstFlowReturn on_klv_sample(GstAppSink *sink, gpointer user)
{
	struct pipeline *pipeline = user;
	GstSample *sample = gst_app_sink_pull_sample(sink);
	if (sample == NULL) {
		return GST_FLOW_EOS;
	}
	GstBuffer *buffer = gst_sample_get_buffer(sample);
	GstMapInfo map;
	if (buffer != NULL && gst_buffer_map(buffer, &map, GST_MAP_READ)) {
		pipeline->callbacks.klv(pipeline->user, pipeline, map.data, map.size);
		gst_buffer_unmap(buffer, &map);
	}
	gst_sample_unref(sample);
	return GST_FLOW_OK;
}

/* Links a metadata pad to its own sink; false when it is not wanted. */
static bool link_klv(struct pipeline *pipeline, GstPad *pad)
{
	if (!pipeline->config.metadata || pipeline->callbacks.klv == NULL ||
	    pipeline->klv_sink != NULL) {
		return false;
	}
	GstElement *sink = gst_element_factory_make("appsink", NULL);
	if (sink == NULL) {
		return false;
	}
	/* Metadata is read as it comes, never held back for the clock. */
	g_object_set(sink, "sync", FALSE, "async", FALSE, "max-buffers", 8u, "drop", TRUE,
		     "enable-last-sample", FALSE, NULL);
	GstAppSinkCallbacks sink_callbacks = {.new_sample = on_klv_sample};
	gst_app_sink_set_callbacks(GST_APP_SINK(sink), &sink_callbacks, pipeline, NULL);
	gst_bin_add(GST_BIN(pipeline->bin), sink);
	gst_element_sync_state_with_parent(sink);
	GstPad *sink_pad = gst_element_get_static_pad(sink, "sink");
	bool linked = gst_pad_link(pad, sink_pad) == GST_PAD_LINK_OK;
	gst_object_unref(sink_pad);
	pipeline->klv_sink = sink;
	return linked;
}

static void drain_pad(struct pipeline *pipeline, GstPad *pad);

/* A stream showed up, so the server answered: its caps (unref them). */
static GstCaps *answered_caps(struct pipeline *pipeline, GstPad *pad)
{
	g_mutex_lock(&pipeline->lock);
	pipeline->answered = true;
	g_mutex_unlock(&pipeline->lock);
	GstCaps *caps = gst_pad_get_current_caps(pad);
	return caps != NULL ? caps : gst_pad_query_caps(pad, NULL);
}

static void on_pad_added(GstElement *decode, GstPad *pad, gpointer user)
{
	struct pipeline *pipeline = user;
	GstCaps *caps = answered_caps(pipeline, pad);
	bool video = g_str_has_prefix(gst_structure_get_name(gst_caps_get_structure(caps, 0)),
				      "video/");
	bool klv = is_klv(caps);
	bool coded = avdecoder_handles(caps);
	gst_caps_unref(caps);
	if (klv && link_klv(pipeline, pad)) {
		return;
	}

	if (video && coded && !pipeline->video_linked) {
		link_coded(pipeline, pad);
		if (pipeline->video_linked) {
			return;
		}
	}
	GstPad *sink_pad = gst_element_get_static_pad(pipeline->sink, "sink");
	if (video && !gst_pad_is_linked(sink_pad)) {
		gst_pad_link(pad, sink_pad);
		gst_object_unref(sink_pad);
		return;
	}
	gst_object_unref(sink_pad);
	drain_pad(pipeline, pad);
}

/*
 * The explicit chain: source ! parsebin ! decoder ! appsink.
 *
 * uridecodebin puts a multiqueue between the demuxer and the decoder, so
 * every frame crosses threads once more than it needs to; on a wall of
 * many streams that costs more than composing the frames. parsebin finds
 * the demuxer, depayloader and parser as decodebin would, without a
 * queue, and the decoder is linked straight to the sink: a file is read,
 * decoded and paced by one streaming thread, as a plain decoding pipeline
 * is.
 */

/*
 * Containers whose demuxers hand out whole access units: MP4 and
 * Matroska files, and FLV, from a file, over HTTP (HTTP-FLV) or RTMP.
 * Where parsebin's parser has to build access units out of single NAL
 * units (RTP, MPEG-TS), pictures of several slices (x264's sliced
 * threads) came out with their first slices lost, so those keep
 * decodebin; rtspsrc has a thread of its own (the jitter buffer's)
 * anyway. FLV gains most: decodebin waits for flvdemux to give up on
 * the audio the FLV header announces, seconds with nginx-rtmp, before it
 * shows the video, while the chain links the video pad the moment it
 * appears.
 */
static bool use_chain(const struct pipeline_config *config)
{
	static const char *const suffixes[] = {".mp4", ".m4v", ".mov", ".mkv", ".webm", ".flv"};
	/* KLV metadata comes in streams whose pads decodebin sorts out. */
	if (config->metadata) {
		return false;
	}
	if (scheme_is(config->uri, "rtmp", "rtmps")) {
		return true;
	}
	bool flv_only = scheme_is(config->uri, "http", "https");
	if (!flv_only && !scheme_is(config->uri, "file", NULL)) {
		return false;
	}
	char *lower = g_ascii_strdown(config->uri, -1);
	/* An HTTP address may carry a query after the file name. */
	char *query = strchr(lower, '?');
	if (query != NULL) {
		*query = '\0';
	}
	bool whole_units = false;
	for (unsigned i = 0; i < G_N_ELEMENTS(suffixes) && !whole_units; i++) {
		bool flv = g_str_equal(suffixes[i], ".flv");
		whole_units = (flv || !flv_only) && g_str_has_suffix(lower, suffixes[i]);
	}
	g_free(lower);
	return whole_units;
}

/* Anything but the video drains into a fakesink, so it never stalls the source. */
static void drain_pad(struct pipeline *pipeline, GstPad *pad)
{
	GstElement *drain = gst_element_factory_make("fakesink", NULL);
	if (drain == NULL) {
		return;
	}
	g_object_set(drain, "sync", FALSE, "async", FALSE, NULL);
	gst_bin_add(GST_BIN(pipeline->bin), drain);
	gst_element_sync_state_with_parent(drain);
	GstPad *drain_pad = gst_element_get_static_pad(drain, "sink");
	gst_pad_link(pad, drain_pad);
	gst_object_unref(drain_pad);
}

/* The best-ranked decoder for caps that can feed the sink, or NULL. */
static GstElement *add_decoder(struct pipeline *pipeline, GstCaps *caps)
{
	GList *fit = decoders_for(caps);
	GstElement *decoder = NULL;
	for (GList *l = fit; l != NULL && decoder == NULL; l = l->next) {
		decoder = gst_element_factory_create(GST_ELEMENT_FACTORY(l->data), NULL);
		if (decoder == NULL) {
			continue;
		}
		/* deep-element-added configures it (threads, corrupt frames). */
		gst_bin_add(GST_BIN(pipeline->bin), decoder);
		if (!gst_element_link(decoder, pipeline->sink)) {
			/* A decoder whose output the sink cannot take (GPU memory). */
			gst_bin_remove(GST_BIN(pipeline->bin), decoder);
			decoder = NULL;
		}
	}
	gst_plugin_feature_list_free(fit);
	return decoder;
}

/* A parsed elementary stream, on a streaming thread. */
static void on_parsed_pad(GstElement *parse, GstPad *pad, gpointer user)
{
	struct pipeline *pipeline = user;
	GstCaps *caps = answered_caps(pipeline, pad);
	const char *name = gst_structure_get_name(gst_caps_get_structure(caps, 0));
	bool video = g_str_has_prefix(name, "video/") && !pipeline->video_linked;
	if (video && decodes_in_process(caps, NULL)) {
		gst_caps_unref(caps);
		link_coded(pipeline, pad);
		return;
	}
	GstElement *decoder = video ? add_decoder(pipeline, caps) : NULL;
	if (video && decoder == NULL) {
		GError *error = g_error_new(GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
					    "no decoder for %s", name);
		gst_element_post_message(parse, gst_message_new_error(GST_OBJECT(parse), error,
								      "no decoder"));
		g_error_free(error);
	}
	gst_caps_unref(caps);
	if (decoder == NULL) {
		drain_pad(pipeline, pad);
		return;
	}
	pipeline->video_decoder = decoder;
	pipeline->video_linked = true;
	gst_element_sync_state_with_parent(decoder);
	GstPad *sink_pad = gst_element_get_static_pad(decoder, "sink");
	gst_pad_link(pad, sink_pad);
	gst_object_unref(sink_pad);
}

static bool build_chain(struct pipeline *pipeline, char **error_text)
{
	GError *error = NULL;
	pipeline->decode = gst_element_make_from_uri(GST_URI_SRC, pipeline->config.uri, NULL,
						     &error);
	if (pipeline->decode == NULL) {
		*error_text = g_strdup_printf("no GStreamer source for this address: %s",
					      error != NULL ? error->message : "unknown");
		g_clear_error(&error);
		return false;
	}
	gst_bin_add(GST_BIN(pipeline->bin), pipeline->decode);
	pipeline->parse = gst_element_factory_make("parsebin", NULL);
	if (pipeline->parse == NULL) {
		*error_text = g_strdup("GStreamer's parsebin is missing");
		return false;
	}
	gst_bin_add(GST_BIN(pipeline->bin), pipeline->parse);
	on_source_setup(NULL, pipeline->decode, pipeline);
	g_signal_connect(pipeline->parse, "pad-added", G_CALLBACK(on_parsed_pad), pipeline);
	if (!gst_element_link(pipeline->decode, pipeline->parse)) {
		*error_text = g_strdup("the stream's source does not link to parsebin");
		return false;
	}
	return true;
}

/* Life. */

struct pipeline *pipeline_start(const struct pipeline_config *config, GMainContext *context,
				const struct pipeline_callbacks *callbacks, void *user,
				char **error_text)
{
	struct pipeline *pipeline = g_new0(struct pipeline, 1);
	pipeline->config.uri = g_strdup(config->uri);
	pipeline->config.user = g_strdup(config->user);
	pipeline->config.password = g_strdup(config->password);
	pipeline->config.transport = config->transport;
	pipeline->config.latency_ms = config->latency_ms;
	pipeline->config.keyframes_only = config->keyframes_only;
	pipeline->keyframes_only = config->keyframes_only;
	pipeline->config.metadata = config->metadata;
	pipeline->config.host = config->host;
	pipeline->config.source = config->source;
	pipeline->callbacks = *callbacks;
	pipeline->user = user;
	g_mutex_init(&pipeline->lock);
	g_atomic_int_inc(&running_pipelines);

	pipeline->bin = gst_pipeline_new(NULL);
	pipeline->sink = gst_element_factory_make("appsink", NULL);
	if (pipeline->sink == NULL) {
		*error_text = g_strdup("GStreamer's appsink is missing");
		goto fail;
	}
	gst_bin_add(GST_BIN(pipeline->bin), pipeline->sink);

	/*
	 * Decoded frames go out as the decoder made them: the renderers convert
	 * and scale at the tile's size, so there is no converter here. H.264
	 * and H.265 for libav's software decoder come coded, and are decoded
	 * in the sink's callback (avdecoder.h says why).
	 */
	GstCaps *caps = gst_caps_from_string("video/x-raw,format={NV12,I420};" AVDECODER_CAPS);
	/* The newest frame is all a tile wants: one buffer, older ones dropped. */
	g_object_set(pipeline->sink, "caps", caps, "max-buffers", 1u, "drop", TRUE, "sync",
		     FALSE, "enable-last-sample", FALSE, NULL);
	gst_caps_unref(caps);
	GstAppSinkCallbacks sink_callbacks = {.new_sample = on_new_sample};
	gst_app_sink_set_callbacks(GST_APP_SINK(pipeline->sink), &sink_callbacks, pipeline, NULL);
	GstPad *sink_pad = gst_element_get_static_pad(pipeline->sink, "sink");
	gst_pad_add_probe(sink_pad, GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM, on_sink_query, NULL, NULL);
	gst_object_unref(sink_pad);
	g_signal_connect(pipeline->bin, "deep-element-added", G_CALLBACK(on_element_added),
			 pipeline);

	if (use_chain(config)) {
		if (!build_chain(pipeline, error_text)) {
			goto fail;
		}
	} else {
		pipeline->decode = gst_element_factory_make("uridecodebin", NULL);
		if (pipeline->decode == NULL) {
			*error_text = g_strdup("GStreamer's uridecodebin is missing");
			goto fail;
		}
		gst_bin_add(GST_BIN(pipeline->bin), pipeline->decode);
		g_object_set(pipeline->decode, "uri", config->uri, NULL);
		g_signal_connect(pipeline->decode, "source-setup", G_CALLBACK(on_source_setup),
				 pipeline);
		g_signal_connect(pipeline->decode, "autoplug-continue",
				 G_CALLBACK(on_autoplug_continue), pipeline);
		g_signal_connect(pipeline->decode, "autoplug-select",
				 G_CALLBACK(on_autoplug_select), pipeline);
		g_signal_connect(pipeline->decode, "pad-added", G_CALLBACK(on_pad_added), pipeline);
	}

	GstBus *bus = gst_element_get_bus(pipeline->bin);
	pipeline->bus_watch = gst_bus_create_watch(bus);
	gst_object_unref(bus);
	g_source_set_callback(pipeline->bus_watch, G_SOURCE_FUNC(on_bus), pipeline, NULL);
	g_source_attach(pipeline->bus_watch, context);

	/*
	 * A stream that comes at the sender's pace goes out as it comes: the
	 * wall shows the newest frame, and waiting for the clock would only
	 * add the pipeline's latency (the jitter buffer's, for RTSP). Anything
	 * else (a file, HLS) is paced by the clock, or it would be decoded as
	 * fast as possible. Not from the state change's return: going to
	 * PLAYING, a live pipeline answers ASYNC or SUCCESS like any other.
	 */
	const char *uri = config->uri;
	bool live = scheme_is(uri, "rtsp", "rtsps") || scheme_is(uri, "rtspt", "rtspu") ||
		    scheme_is(uri, "rtmp", "rtmps") || scheme_is(uri, "srt", "udp") ||
		    scheme_is(uri, "rtp", NULL);
	pipeline->live = live;
	g_object_set(pipeline->sink, "sync", !live, NULL);
	/* A failure's reason is on the bus; the watch reports it. */
	gst_element_set_state(pipeline->bin, GST_STATE_PLAYING);
	return pipeline;

fail:
	pipeline_destroy(pipeline);
	return NULL;
}

void pipeline_destroy(struct pipeline *pipeline)
{
	if (pipeline == NULL) {
		return;
	}
	if (pipeline->bus_watch != NULL) {
		g_source_destroy(pipeline->bus_watch);
		g_source_unref(pipeline->bus_watch);
	}
	if (pipeline->bin != NULL) {
		/* Waits for the streaming threads, so no callback runs afterwards. */
		gst_element_set_state(pipeline->bin, GST_STATE_NULL);
		gst_object_unref(pipeline->bin);
	}
	avdecoder_destroy(pipeline->avdecoder);
	gst_caps_replace(&pipeline->caps, NULL);
	g_free(pipeline->codec);
	g_free(pipeline->decoder);
	g_free((char *)pipeline->config.uri);
	g_free((char *)pipeline->config.user);
	g_free((char *)pipeline->config.password);
	g_atomic_int_add(&running_pipelines, -1);
	g_mutex_clear(&pipeline->lock);
	g_free(pipeline);
}

void pipeline_get_info(struct pipeline *pipeline, struct pipeline_info *info)
{
	g_mutex_lock(&pipeline->lock);
	info->codec = g_strdup(pipeline->codec);
	info->decoder = g_strdup(pipeline->decoder);
	info->width_px = pipeline->caps_ok ? (uint32_t)GST_VIDEO_INFO_WIDTH(&pipeline->info) : 0;
	info->height_px = pipeline->caps_ok ? (uint32_t)GST_VIDEO_INFO_HEIGHT(&pipeline->info) : 0;
	info->bytes_in = pipeline->bytes_in;
	info->frames = pipeline->frames;
	info->answered = pipeline->answered;
	g_mutex_unlock(&pipeline->lock);
}

void pipeline_info_clear(struct pipeline_info *info)
{
	g_free(info->codec);
	g_free(info->decoder);
	info->codec = NULL;
	info->decoder = NULL;
}

void pipeline_set_keyframes_only(struct pipeline *pipeline, bool keyframes_only)
{
	g_mutex_lock(&pipeline->lock);
	if (pipeline->keyframes_only && !keyframes_only) {
		/*
		 * The next delta frame refers to frames the decoder never saw:
		 * everything waits for the next key frame, as when joining a
		 * stream mid-GOP, and the tile keeps its last key frame meanwhile.
		 */
		pipeline->keyed = false;
	}
	pipeline->keyframes_only = keyframes_only;
	g_mutex_unlock(&pipeline->lock);
}
