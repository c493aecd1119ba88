/*
 * wall-camserver: a demo RTSP server of synthetic cameras, for the demo
 * wall and for the camera plugin's stream tests.
 *
 * It serves N cameras, each as a main stream (rtsp://HOST:PORT/camNN) and
 * a sub stream (rtsp://HOST:PORT/camNN-sub). A camera shows moving colour
 * bars (the 75% bars of the SMPTE pattern, scrolling sideways), its name
 * in the top left corner and a burnt-in clock in the bottom right, encoded
 * as low-latency H.264 with a key frame about once a second. With --user
 * and --password every stream asks for those credentials (RTSP basic
 * authentication), as a media server with access control does.
 *
 * Once it listens it prints "READY port=N" on stdout, so a caller that
 * asked for port 0 learns which free port it got. It then reads commands
 * from stdin, one per line, and answers each with "OK" or "ERR <why>":
 *
 *   freeze N    camera N keeps its connections open but sends no frames
 *   thaw N      camera N sends frames again
 *   drop N      camera N closes its connections and answers 404
 *   restore N   camera N serves again
 *   end N       camera N's streams end (end of stream, RTCP BYE); the next
 *               connection starts them afresh
 *   quit        exit (so do SIGINT and SIGTERM; the end of stdin does not)
 *
 * Beside the cameras it serves looks, at rtsp://HOST:PORT/look/NAME in the
 * sub stream's size, for the picture checks of the inspection: "scene", a
 * moving natural-looking scene (sky, a panning field, a moving object, a
 * little sensor grain, the camera's name and clock), and the faults made
 * from it: "black", "frozen" (the same picture every time, packets still
 * flowing), "dark", "bright" (overexposed), "blur", "cast" (a colour
 * cast) and "noise" (snow over the scene).
 *
 * With --udp-only it offers RTP over UDP only, as VLC's RTSP server does,
 * and answers a request for TCP with "461 Unsupported transport".
 *
 * N counts from 1; "all" means every camera. Killing the process is the
 * way to test a server that disappears.
 */
#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <glib-unix.h>
#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

/* The places the demo's cameras stand, after the Maoming command center.
 * Camera 1 is the demo's hangar drone over Yuntan; 2 to 4 are the demo
 * wall's town cameras. */
static const char *const places[] = {
	"高州市云潭镇", "电白区水东街道", "高州市潭头镇", "化州市河西街道",
	"信宜市东镇街道", "茂南区新坡镇", "电白区沙琅镇", "茂南区鳌头镇",
};

struct camera {
	struct server *server;
	unsigned index;
	char *name;
	char *paths[2];
	GstRTSPMediaFactory *factories[2];
	/* GstRTSPMedia * of this camera's streams that are prepared now. */
	GPtrArray *medias;
	bool frozen;
	bool dropped;
};

struct server {
	GstRTSPServer *rtsp;
	GMainLoop *loop;
	struct camera *cameras;
	unsigned camera_count;
	GDataInputStream *input;
	GCancellable *cancel;
	/* Offer RTP over UDP only, as VLC's RTSP server does: TCP gets 461. */
	gboolean udp_only;
	/* The role every stream is offered to. */
	const char *role;
};

struct settings {
	int port;
	int cameras;
	int fps;
	char *main_size;
	char *sub_size;
	char *user;
	char *password;
	char *address;
	gboolean udp_only;
};

static bool parse_size(const char *text, int *width, int *height)
{
	return text != NULL && sscanf(text, "%dx%d", width, height) == 2 && *width >= 16 &&
	       *height >= 16 && *width % 2 == 0 && *height % 2 == 0;
}

static void set_gate(GstRTSPMedia *media, bool drop)
{
	GstElement *bin = gst_rtsp_media_get_element(media);
	GstElement *gate = gst_bin_get_by_name(GST_BIN(bin), "gate");
	if (gate != NULL) {
		g_object_set(gate, "drop", drop, NULL);
		gst_object_unref(gate);
	}
	gst_object_unref(bin);
}

static void on_unprepared(GstRTSPMedia *media, struct camera *camera)
{
	g_ptr_array_remove(camera->medias, media);
}

/*
 * The sender reports (RTCP SR) map RTP time to the NTP time of capture,
 * not of sending, so a receiver on a synced clock can measure
 * glass-to-glass latency, encoder included.
 */
static void on_element_added(GstBin *pipeline, GstElement *element, gpointer user)
{
	GstElementFactory *factory = gst_element_get_factory(element);
	if (factory != NULL &&
	    g_str_equal(gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(factory)), "rtpbin")) {
		g_object_set(element, "rtcp-sync-send-time", FALSE, NULL);
	}
}

static void on_media_configure(GstRTSPMediaFactory *factory, GstRTSPMedia *media,
			       struct camera *camera)
{
	GstElement *element = gst_rtsp_media_get_element(media);
	GstObject *pipeline = gst_object_get_parent(GST_OBJECT(element));
	if (pipeline != NULL) {
		/* The media adds its rtpbin when it is prepared, after this. */
		g_signal_connect(pipeline, "element-added", G_CALLBACK(on_element_added), NULL);
		gst_object_unref(pipeline);
	}
	gst_object_unref(element);

	/* A camera frozen before anyone watched it stays frozen for newcomers. */
	set_gate(media, camera->frozen);
	g_ptr_array_add(camera->medias, media);
	g_signal_connect(media, "unprepared", G_CALLBACK(on_unprepared), camera);
}

static GstRTSPMediaFactory *make_factory(struct camera *camera, int width, int height, int fps,
					 const char *role)
{
	int font_px = height / 14 > 8 ? height / 14 : 8;
	/*
	 * The valve sits before the encoder, so a frozen camera keeps its
	 * RTSP session and RTCP going and only stops sending pictures: what
	 * a hung encoder in a real camera looks like from the wall.
	 */
	char *launch = g_strdup_printf(
		"( videotestsrc is-live=true pattern=smpte75 horizontal-speed=2 "
		"! video/x-raw,width=%d,height=%d,framerate=%d/1 "
		"! textoverlay text=\"%s\" valignment=top halignment=left "
		"font-desc=\"Sans %dpx\" shaded-background=true "
		"! clockoverlay valignment=bottom halignment=right time-format=\"%%H:%%M:%%S\" "
		"font-desc=\"Sans %dpx\" shaded-background=true "
		"! valve name=gate drop=false "
		"! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=%d bitrate=%d "
		"! video/x-h264,profile=constrained-baseline "
		"! rtph264pay name=pay0 pt=96 config-interval=-1 )",
		width, height, fps, camera->name, font_px, font_px, fps,
		width * height * fps / 8000 > 200 ? width * height * fps / 8000 : 200);

	GstRTSPMediaFactory *factory = gst_rtsp_media_factory_new();
	gst_rtsp_media_factory_set_launch(factory, launch);
	if (camera->server->udp_only) {
		gst_rtsp_media_factory_set_protocols(factory, GST_RTSP_LOWER_TRANS_UDP);
	}
	/* One encoder per stream however many walls watch it. */
	gst_rtsp_media_factory_set_shared(factory, TRUE);
	g_signal_connect(factory, "media-configure", G_CALLBACK(on_media_configure), camera);
	g_free(launch);

	GstRTSPPermissions *permissions = gst_rtsp_permissions_new();
	gst_rtsp_permissions_add_role(permissions, role, GST_RTSP_PERM_MEDIA_FACTORY_ACCESS,
				      G_TYPE_BOOLEAN, TRUE, GST_RTSP_PERM_MEDIA_FACTORY_CONSTRUCT,
				      G_TYPE_BOOLEAN, TRUE, NULL);
	gst_rtsp_media_factory_set_permissions(factory, permissions);
	gst_rtsp_permissions_unref(permissions);
	return factory;
}

/* The looks: the scene, then each fault made from it (see the top). */
struct look {
	const char *name;
	/* Put between the scene and its on-screen text. */
	const char *fault;
	bool still;
};

static const struct look looks[] = {
	{"scene", "identity", false},
	{"black", "videobalance brightness=-1 contrast=0 saturation=0", false},
	{"frozen", "identity", true},
	{"dark", "videobalance brightness=-0.23 contrast=0.5", false},
	{"bright", "videobalance brightness=0.7 contrast=0.6", false},
	{"blur", "gaussianblur sigma=8", false},
	{"cast", "videoconvert ! coloreffects preset=sepia ! videoconvert", false},
	{"noise", "identity name=snowy", false},
};

static char *look_launch(const struct look *look, int width, int height, int fps)
{
	int sky_h = height * 2 / 5 & ~1, field_h = height - sky_h;
	int font_px = height / 14 > 8 ? height / 14 : 8;
	/* A still look has nothing that moves: no pan, no grain, no clock. */
	int speed = look->still ? 0 : 3;
	double grain = look->still ? 0 : g_str_equal(look->name, "noise") ? 0.5 : 0.05;
	char *osd = look->still ? g_strdup("identity")
	                        : g_strdup_printf("clockoverlay valignment=bottom halignment=right "
	                                          "time-format=\"%%H:%%M:%%S\" font-desc=\"Sans %dpx\"",
	                                          font_px);
	char *launch = g_strdup_printf(
		"( compositor name=mix background=black "
		"sink_0::xpos=0 sink_0::ypos=0 "
		"sink_1::xpos=0 sink_1::ypos=%d "
		"sink_2::xpos=%d sink_2::ypos=%d "
		"sink_3::xpos=%d sink_3::ypos=%d "
		"! video/x-raw,width=%d,height=%d,framerate=%d/1 ! grain.sink_0 "
		/* The grain is part of the scene; the fault acts on both. */
		"compositor name=grain sink_1::alpha=%.2f "
		"! video/x-raw,width=%d,height=%d,framerate=%d/1 "
		"! %s "
		"! textoverlay text=\"%s\" valignment=top halignment=left font-desc=\"Sans %dpx\" "
		"! %s "
		"! videoconvert ! video/x-raw,format=I420 "
		"! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=%d bitrate=%d "
		"! video/x-h264,profile=constrained-baseline "
		"! rtph264pay name=pay0 pt=96 config-interval=-1 "
		"videotestsrc is-live=true pattern=gradient foreground-color=0xff4a6f96 "
		"background-color=0xffcfdceb ! video/x-raw,width=%d,height=%d,framerate=%d/1 ! mix. "
		"videotestsrc is-live=true pattern=colors horizontal-speed=%d "
		"! video/x-raw,width=%d,height=%d,framerate=%d/1 "
		"! videobalance saturation=0.25 contrast=0.8 ! mix. "
		"videotestsrc is-live=true pattern=checkers-4 "
		"! video/x-raw,width=%d,height=%d,framerate=%d/1 "
		"! videobalance contrast=0.4 saturation=0 ! mix. "
		"videotestsrc is-live=true pattern=%s motion=sweep background-color=0xff786452 "
		"foreground-color=0xffe8d048 "
		"! video/x-raw,width=%d,height=%d,framerate=%d/1 ! mix. "
		"videotestsrc is-live=true pattern=snow "
		"! video/x-raw,width=%d,height=%d,framerate=%d/1 ! grain.sink_1 )",
		sky_h, width / 8, sky_h - height / 5, width * 5 / 8, sky_h - height / 6,
		width, height, fps, grain, width, height, fps, look->fault, look->name, font_px, osd,
		fps, width * height * fps / 8000 > 200 ? width * height * fps / 8000 : 200,
		width, sky_h, fps, speed, width, field_h, fps, width / 4 & ~1, height / 5 & ~1,
		fps, look->still ? "solid-color" : "ball", width / 4 & ~1, height / 6 & ~1,
		fps, width, height, fps);
	g_free(osd);
	return launch;
}

static void mount_looks(struct server *server, int width, int height, int fps)
{
	GstRTSPMountPoints *mounts = gst_rtsp_server_get_mount_points(server->rtsp);
	for (size_t i = 0; i < G_N_ELEMENTS(looks); i++) {
		char *launch = look_launch(&looks[i], width, height, fps);
		GstRTSPMediaFactory *factory = gst_rtsp_media_factory_new();
		gst_rtsp_media_factory_set_launch(factory, launch);
		gst_rtsp_media_factory_set_shared(factory, TRUE);
		GstRTSPPermissions *permissions = gst_rtsp_permissions_new();
		gst_rtsp_permissions_add_role(permissions, server->role,
					      GST_RTSP_PERM_MEDIA_FACTORY_ACCESS, G_TYPE_BOOLEAN,
					      TRUE, GST_RTSP_PERM_MEDIA_FACTORY_CONSTRUCT,
					      G_TYPE_BOOLEAN, TRUE, NULL);
		gst_rtsp_media_factory_set_permissions(factory, permissions);
		gst_rtsp_permissions_unref(permissions);
		char *path = g_strdup_printf("/look/%s", looks[i].name);
		gst_rtsp_mount_points_add_factory(mounts, path, factory);
		g_free(path);
		g_free(launch);
	}
	g_object_unref(mounts);
}

static void mount_camera(struct server *server, struct camera *camera)
{
	GstRTSPMountPoints *mounts = gst_rtsp_server_get_mount_points(server->rtsp);
	for (unsigned i = 0; i < G_N_ELEMENTS(camera->paths); i++) {
		if (camera->factories[i] != NULL) {
			gst_rtsp_mount_points_add_factory(mounts, camera->paths[i],
							  g_object_ref(camera->factories[i]));
		}
	}
	g_object_unref(mounts);
}

static void unmount_camera(struct server *server, struct camera *camera)
{
	GstRTSPMountPoints *mounts = gst_rtsp_server_get_mount_points(server->rtsp);
	for (unsigned i = 0; i < G_N_ELEMENTS(camera->paths); i++) {
		if (camera->factories[i] != NULL) {
			gst_rtsp_mount_points_remove_factory(mounts, camera->paths[i]);
		}
	}
	g_object_unref(mounts);
}

/* Drops a client when any of its sessions plays one of camera's streams. */
static GstRTSPFilterResult client_filter(GstRTSPServer *rtsp, GstRTSPClient *client, gpointer user)
{
	struct camera *camera = user;
	bool watches = false;
	GList *sessions = gst_rtsp_client_session_filter(client, NULL, NULL);
	for (GList *s = sessions; s != NULL && !watches; s = s->next) {
		GList *medias = gst_rtsp_session_filter(s->data, NULL, NULL);
		for (GList *m = medias; m != NULL; m = m->next) {
			GstRTSPMedia *media = gst_rtsp_session_media_get_media(m->data);
			guint index;
			if (g_ptr_array_find(camera->medias, media, &index)) {
				watches = true;
			}
		}
		g_list_free_full(medias, g_object_unref);
	}
	g_list_free_full(sessions, g_object_unref);
	return watches ? GST_RTSP_FILTER_REMOVE : GST_RTSP_FILTER_KEEP;
}

static void camera_apply(struct server *server, struct camera *camera, const char *verb)
{
	if (g_str_equal(verb, "freeze") || g_str_equal(verb, "thaw")) {
		camera->frozen = g_str_equal(verb, "freeze");
		for (unsigned i = 0; i < camera->medias->len; i++) {
			set_gate(g_ptr_array_index(camera->medias, i), camera->frozen);
		}
	} else if (g_str_equal(verb, "drop") && !camera->dropped) {
		camera->dropped = true;
		unmount_camera(server, camera);
		gst_rtsp_server_client_filter(server->rtsp, client_filter, camera);
	} else if (g_str_equal(verb, "end")) {
		/*
		 * The stream ends as a camera restarting its session ends it:
		 * end of stream, and RTCP BYE to every receiver.
		 */
		for (unsigned i = 0; i < camera->medias->len; i++) {
			GstElement *bin = gst_rtsp_media_get_element(
				g_ptr_array_index(camera->medias, i));
			gst_element_send_event(bin, gst_event_new_eos());
			gst_object_unref(bin);
		}
	} else if (g_str_equal(verb, "restore") && camera->dropped) {
		camera->dropped = false;
		mount_camera(server, camera);
	}
}

/* Runs one command line; returns the reply. */
static const char *run_command(struct server *server, const char *line)
{
	char **words = g_strsplit_set(g_strstrip((char *)line), " \t", -1);
	const char *reply = "OK";
	unsigned count = g_strv_length(words);
	if (count == 0 || words[0][0] == '\0') {
		reply = "ERR empty command";
	} else if (g_str_equal(words[0], "quit")) {
		g_main_loop_quit(server->loop);
	} else if (count != 2 || !(g_str_equal(words[0], "freeze") ||
				   g_str_equal(words[0], "thaw") || g_str_equal(words[0], "drop") ||
				   g_str_equal(words[0], "restore") || g_str_equal(words[0], "end"))) {
		reply = "ERR expected freeze|thaw|drop|restore|end N|all, or quit";
	} else if (g_str_equal(words[1], "all")) {
		for (unsigned i = 0; i < server->camera_count; i++) {
			camera_apply(server, &server->cameras[i], words[0]);
		}
	} else {
		guint64 number;
		if (g_ascii_string_to_unsigned(words[1], 10, 1, server->camera_count, &number,
					       NULL)) {
			camera_apply(server, &server->cameras[number - 1], words[0]);
		} else {
			reply = "ERR no such camera";
		}
	}
	g_strfreev(words);
	return reply;
}

static void read_next_line(struct server *server);

static void on_line(GObject *object, GAsyncResult *result, gpointer user)
{
	struct server *server = user;
	GError *error = NULL;
	char *line = g_data_input_stream_read_line_finish_utf8(server->input, result, NULL,
								&error);
	if (line == NULL) {
		/*
		 * Without stdin (started in the background) the cameras keep
		 * running; only commands stop.
		 */
		g_clear_error(&error);
		return;
	}
	printf("%s\n", run_command(server, line));
	fflush(stdout);
	g_free(line);
	read_next_line(server);
}

static void read_next_line(struct server *server)
{
	g_data_input_stream_read_line_async(server->input, G_PRIORITY_DEFAULT, server->cancel,
					    on_line, server);
}

static gboolean on_signal(gpointer user)
{
	struct server *server = user;
	g_main_loop_quit(server->loop);
	return G_SOURCE_CONTINUE;
}

/* The sessions of gone clients are only reaped when asked. */
static gboolean reap_sessions(gpointer user)
{
	struct server *server = user;
	GstRTSPSessionPool *pool = gst_rtsp_server_get_session_pool(server->rtsp);
	gst_rtsp_session_pool_cleanup(pool);
	g_object_unref(pool);
	return G_SOURCE_CONTINUE;
}

int main(int argc, char **argv)
{
	struct settings settings = {
		.port = 8554,
		.cameras = 4,
		.fps = 25,
	};
	GOptionEntry entries[] = {
		{"port", 'p', 0, G_OPTION_ARG_INT, &settings.port, "Port to listen on, 0 for any free one (default 8554)", "N"},
		{"address", 0, 0, G_OPTION_ARG_STRING, &settings.address, "Address to listen on (default 127.0.0.1)", "ADDR"},
		{"cameras", 'n', 0, G_OPTION_ARG_INT, &settings.cameras, "Number of cameras (default 4)", "N"},
		{"fps", 0, 0, G_OPTION_ARG_INT, &settings.fps, "Frames per second (default 25)", "N"},
		{"main", 0, 0, G_OPTION_ARG_STRING, &settings.main_size, "Main stream size (default 1280x720)", "WxH"},
		{"sub", 0, 0, G_OPTION_ARG_STRING, &settings.sub_size, "Sub stream size (default 640x360)", "WxH"},
		{"user", 0, 0, G_OPTION_ARG_STRING, &settings.user, "Ask for this user name (with --password)", "NAME"},
		{"password", 0, 0, G_OPTION_ARG_STRING, &settings.password, "Ask for this password (with --user)", "TEXT"},
		{"udp-only", 0, 0, G_OPTION_ARG_NONE, &settings.udp_only, "Offer RTP over UDP only: a request for TCP gets 461 Unsupported transport", NULL},
		{NULL},
	};
	GError *error = NULL;
	GOptionContext *options = g_option_context_new("- serve synthetic RTSP cameras");
	g_option_context_add_main_entries(options, entries, NULL);
	g_option_context_add_group(options, gst_init_get_option_group());
	g_option_context_set_description(options,
		"Commands on stdin: freeze|thaw|drop|restore|end N|all, quit.\n");
	if (!g_option_context_parse(options, &argc, &argv, &error)) {
		fprintf(stderr, "wall-camserver: %s\n", error->message);
		return 2;
	}
	g_option_context_free(options);

	int main_w = 1280, main_h = 720, sub_w = 640, sub_h = 360;
	if ((settings.main_size != NULL && !parse_size(settings.main_size, &main_w, &main_h)) ||
	    (settings.sub_size != NULL && !parse_size(settings.sub_size, &sub_w, &sub_h))) {
		fprintf(stderr, "wall-camserver: a size is WIDTHxHEIGHT, both even\n");
		return 2;
	}
	if (settings.cameras < 1 || settings.cameras > 99 || settings.fps < 1 ||
	    settings.fps > 60 || settings.port < 0 || settings.port > 65535) {
		fprintf(stderr, "wall-camserver: cameras 1..99, fps 1..60, port 0..65535\n");
		return 2;
	}
	bool private_streams = settings.user != NULL && settings.password != NULL;
	const char *role = private_streams ? "user" : "anonymous";

	struct server server = {0};
	server.udp_only = settings.udp_only;
	server.loop = g_main_loop_new(NULL, FALSE);
	server.rtsp = gst_rtsp_server_new();
	char *service = g_strdup_printf("%d", settings.port);
	gst_rtsp_server_set_service(server.rtsp, service);
	gst_rtsp_server_set_address(server.rtsp,
				    settings.address != NULL ? settings.address : "127.0.0.1");
	g_free(service);

	/*
	 * Every request is checked against the factories' permissions. Without
	 * credentials configured, everyone is "anonymous" and may watch;
	 * with them, there is no default token, so a request without valid
	 * credentials is challenged (401).
	 */
	GstRTSPAuth *auth = gst_rtsp_auth_new();
	if (!private_streams) {
		GstRTSPToken *anonymous = gst_rtsp_token_new(
			GST_RTSP_TOKEN_MEDIA_FACTORY_ROLE, G_TYPE_STRING, "anonymous", NULL);
		gst_rtsp_auth_set_default_token(auth, anonymous);
		gst_rtsp_token_unref(anonymous);
	} else {
		GstRTSPToken *user = gst_rtsp_token_new(GST_RTSP_TOKEN_MEDIA_FACTORY_ROLE,
							G_TYPE_STRING, "user", NULL);
		char *basic = gst_rtsp_auth_make_basic(settings.user, settings.password);
		gst_rtsp_auth_add_basic(auth, basic, user);
		g_free(basic);
		gst_rtsp_token_unref(user);
	}
	gst_rtsp_server_set_auth(server.rtsp, auth);
	g_object_unref(auth);

	server.camera_count = (unsigned)settings.cameras;
	server.cameras = g_new0(struct camera, server.camera_count);
	for (unsigned i = 0; i < server.camera_count; i++) {
		struct camera *camera = &server.cameras[i];
		camera->server = &server;
		camera->index = i + 1;
		/* The ninth camera is the second one of the first place. */
		camera->name = g_strdup_printf("%s %02u", places[i % G_N_ELEMENTS(places)],
					       (unsigned)(i / G_N_ELEMENTS(places) + 1));
		camera->medias = g_ptr_array_new();
		camera->paths[0] = g_strdup_printf("/cam%02u", i + 1);
		camera->paths[1] = g_strdup_printf("/cam%02u-sub", i + 1);
		camera->factories[0] = make_factory(camera, main_w, main_h, settings.fps, role);
		camera->factories[1] = make_factory(camera, sub_w, sub_h, settings.fps, role);
		mount_camera(&server, camera);
	}
	server.role = role;
	mount_looks(&server, sub_w, sub_h, settings.fps);

	if (gst_rtsp_server_attach(server.rtsp, NULL) == 0) {
		fprintf(stderr, "wall-camserver: cannot listen on port %d\n", settings.port);
		return 1;
	}
	g_timeout_add_seconds(2, reap_sessions, &server);
	g_unix_signal_add(SIGINT, on_signal, &server);
	g_unix_signal_add(SIGTERM, on_signal, &server);

	GInputStream *in = g_unix_input_stream_new(0, FALSE);
	server.input = g_data_input_stream_new(in);
	g_object_unref(in);
	server.cancel = g_cancellable_new();
	read_next_line(&server);

	printf("READY port=%d\n", gst_rtsp_server_get_bound_port(server.rtsp));
	fflush(stdout);
	g_main_loop_run(server.loop);

	g_cancellable_cancel(server.cancel);
	g_object_unref(server.cancel);
	g_object_unref(server.input);
	for (unsigned i = 0; i < server.camera_count; i++) {
		struct camera *camera = &server.cameras[i];
		for (unsigned j = 0; j < G_N_ELEMENTS(camera->paths); j++) {
			g_free(camera->paths[j]);
			g_clear_object(&camera->factories[j]);
		}
		g_ptr_array_free(camera->medias, TRUE);
		g_free(camera->name);
	}
	g_free(server.cameras);
	g_object_unref(server.rtsp);
	g_main_loop_unref(server.loop);
	g_free(settings.main_size);
	g_free(settings.sub_size);
	g_free(settings.user);
	g_free(settings.password);
	g_free(settings.address);
	return 0;
}
