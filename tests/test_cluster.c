/*
 * One wall over several machines: nodes: in the layout, a node drawing its
 * viewport, and four nodes as separate processes coordinated through a
 * real Mosquitto on loopback (a scene change, a node killed and started
 * again, the broker gone for ten seconds). Deadlines are generous; how
 * close the nodes switch is the benchmark's (tests/bench/cluster_bench.c).
 */
#include <string.h>

#include "cluster_rig.h"
#include "control/request.h"
#include "layout.h"
#include "outputs.h"
#include "support.h"

#define WALL_HEAD                                                                                  \
	"wall:\n"                                                                                  \
	"  canvas: 320x180\n"                                                                      \
	"  cluster: mqtt://127.0.0.1:1883/wall/test\n"                                             \
	"sources:\n"                                                                               \
	"  red: {plugin: color, color: \"#ff0000\"}\n"                                             \
	"scenes:\n"                                                                                \
	"  main:\n"                                                                                \
	"    tiles:\n"                                                                             \
	"      - {id: left, source: red, rect: [0, 0, 100, 180]}\n"                                \
	"      - {id: right, source: red, rect: [200, 0, 120, 180]}\n"

static void test_layout_errors(void)
{
	wall_test_expect_layout_error(NULL, WALL_HEAD "nodes:\n  a: {viewport: [0, 0, 400, 180]}\n",
	                              "12:17", "viewport lies outside the 320x180 canvas");
	wall_test_expect_layout_error(NULL, WALL_HEAD "nodes:\n  a: {outputs: {}}\n", "12:6",
	                              "missing key \"viewport\"");
	wall_test_expect_layout_error(
	        NULL, WALL_HEAD "nodes:\n  a: {viewport: [0, 0, 160, 180], size: 1}\n", "12:35",
	        "unknown key \"size\"");
	wall_test_expect_layout_error(NULL,
	                              WALL_HEAD "nodes:\n  a b: {viewport: [0, 0, 160, 180]}\n",
	                              "12:3", "letters, digits");
	wall_test_expect_layout_error(NULL,
	                              WALL_HEAD
	                              "nodes:\n  a: {viewport: [0, 0, 160, 180], outputs: "
	                              "{HDMI-A-1: {rect: [100, 0, 160, 180]}}}\n",
	                              "12:45", "outside node \"a\"'s viewport");
	wall_test_expect_layout_error(NULL,
	                              "wall:\n  canvas: 320x180\n  cluster: http://broker/wall/x\n"
	                              "scenes:\n  main:\n    tiles: []\n",
	                              "3:12", "mqtt://host:1883/wall/NAME");
}

static void test_focus(void)
{
	const char *text = WALL_HEAD "nodes:\n"
	                             "  a: {viewport: [0, 0, 160, 180]}\n"
	                             "  b: {viewport: [160, 0, 160, 180], outputs: "
	                             "{DP-1: {rect: [160, 0, 160, 180]}}}\n";
	GError *error = NULL;
	struct wall_layout *layout =
	        wall_layout_parse("test.yaml", text, strlen(text), NULL, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpint(layout->nodes->len, ==, 2);
	g_assert_cmpstr(layout->cluster_url, ==, "mqtt://127.0.0.1:1883/wall/test");
	g_assert_false(wall_layout_focus_node(layout, "z", &error));
	g_assert_nonnull(strstr(error->message, "it has: a, b"));
	g_clear_error(&error);
	g_assert_true(wall_layout_focus_node(layout, "b", &error));
	g_assert_cmpint(layout->canvas_width_px, ==, 160);
	g_assert_cmpint(layout->canvas_height_px, ==, 180);
	const struct wall_layout_scene *scene = layout->scenes->pdata[0];
	const struct wall_layout_tile *left = wall_layout_find_tile(scene, "left");
	const struct wall_layout_tile *right = wall_layout_find_tile(scene, "right");
	/* Outside b's viewport: kept, so commands naming it work, but never opened. */
	g_assert_true(left->offscreen);
	g_assert_false(right->offscreen);
	g_assert_cmpint(right->rect.x, ==, 40);
	g_assert_cmpint(right->rect.width, ==, 120);
	struct wall_output_plan plan;
	g_assert_true(wall_layout_output_plan(layout, "DP-1", 0, &plan));
	g_assert_cmpint(plan.rect.x, ==, 0);
	g_assert_cmpint(plan.rect.width, ==, 160);
	wall_layout_destroy(layout);

	char *host = NULL, *topic = NULL;
	int port = 0;
	g_assert_true(wall_cluster_url_parse("mqtt://10.0.0.2/wall/hall", &host, &port, &topic));
	g_assert_cmpstr(host, ==, "10.0.0.2");
	g_assert_cmpint(port, ==, 1883);
	g_assert_cmpstr(topic, ==, "wall/hall");
	g_free(host);
	g_free(topic);
	g_assert_false(wall_cluster_url_parse("mqtt://host:99999/wall", NULL, NULL, NULL));
	g_assert_false(wall_cluster_url_parse("mqtt://host/wall/#", NULL, NULL, NULL));
}

/* A batch travels as its text; every node parses it back into the same commands. */
static void test_batch_text(void)
{
	GError *error = NULL;
	struct wall_request *request = wall_request_parse_lines(
	        "SCENE main; PRESET SAVE 3 \"a; b\"; TILE t1 SOURCE red; COMMIT", "test", &error);
	g_assert_no_error(error);
	g_assert_cmpint(request->count, ==, 3);
	g_assert_cmpint(request->commands[0].kind, ==, WALL_COMMAND_SCENE);
	g_assert_cmpint(request->commands[1].kind, ==, WALL_COMMAND_PRESET_SAVE);
	g_assert_cmpstr(request->commands[1].text, ==, "a; b");
	g_assert_cmpint(request->commands[2].kind, ==, WALL_COMMAND_TILE_SOURCE);
	wall_request_free(request);
	g_assert_null(wall_request_parse_lines("COMMIT", "test", &error));
	g_assert_nonnull(error);
	g_clear_error(&error);
	g_assert_null(wall_request_parse_lines("SCENE main; BOGUS", "test", &error));
	g_assert_nonnull(error);
	g_clear_error(&error);
}

/* Each node draws its monitor's crop of the canvas: the tile colour at its centre. */
static void test_viewport_drawn(void)
{
	char *layout = wall_test_source_path("tests/layouts/cluster-2x2.yaml");
	const struct {
		const char *node;
		uint32_t argb;
	} cases[] = {{"a", 0xffc03030}, {"b", 0xff3050c0}, {"c", 0xff30c050}, {"d", 0xff808080}};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *shot = wall_test_temp_path("node.png");
		/* --no-control: no broker, just the node's picture. */
		const char *args[] = {"--backend",    "headless", "--renderer",  "soft",
		                      "--fps",        "25",       "--frames",    "3",
		                      "--no-control", "--node",   cases[i].node, "--screenshot",
		                      shot,           layout,     NULL};
		g_assert_cmpint(wall_test_run_wall(args, NULL, NULL), ==, 0);
		cairo_surface_t *picture = cairo_image_surface_create_from_png(shot);
		g_assert_cmpint(cairo_surface_status(picture), ==, CAIRO_STATUS_SUCCESS);
		g_assert_cmpint(cairo_image_surface_get_width(picture), ==, 160);
		g_assert_cmpint(cairo_image_surface_get_height(picture), ==, 90);
		g_assert_true(
		        wall_test_color_near(wall_test_pixel(picture, 80, 45), cases[i].argb, 8));
		cairo_surface_destroy(picture);
		g_free(shot);
	}
	const char *args[] = {"--check", "--node", "z", layout, NULL};
	char *err = NULL;
	g_assert_cmpint(wall_test_run_wall(args, NULL, &err), !=, 0);
	g_assert_nonnull(strstr(err, "no such node"));
	g_free(err);
	g_free(layout);
}

static char *status_string(struct cluster_rig *rig, int i, const char *member)
{
	JsonObject *status = rig_ask_ok(rig, i, "STATUS");
	char *value = g_strdup(json_object_get_string_member(status, member));
	json_object_unref(status);
	return value;
}

static const char *tile_member(JsonObject *status, const char *id, const char *member)
{
	JsonArray *tiles = json_object_get_array_member(status, "tiles");
	for (guint i = 0; i < json_array_get_length(tiles); i++) {
		JsonObject *tile = json_array_get_object_element(tiles, i);
		if (g_strcmp0(json_object_get_string_member(tile, "id"), id) == 0) {
			return json_object_get_string_member(tile, member);
		}
	}
	return NULL;
}

static void test_scene_change(void)
{
	struct cluster_rig rig;
	if (!rig_start(&rig, true)) {
		return;
	}
	g_assert_true(rig_wait_all_online(&rig, 60));
	/* Each node opened only the source in its viewport. */
	JsonObject *status = rig_ask_ok(&rig, 1, "STATUS");
	g_assert_cmpstr(tile_member(status, "t2", "source"), ==, "blue");
	g_assert_cmpstr(tile_member(status, "t1", "source"), ==, "(offscreen)");
	json_object_unref(status);

	rig_drain(&rig);
	json_object_unref(rig_ask_ok(&rig, 0, "SCENE other"));
	g_assert_true(rig_wait_presented(&rig, "SCENE other", RIG_NODES, 60, NULL));
	for (int i = 0; i < RIG_NODES; i++) {
		char *scene = status_string(&rig, i, "scene");
		g_assert_cmpstr(scene, ==, "other");
		g_free(scene);
	}
	/* A key binding or a web request goes the same way; a batch too, from another node. */
	rig_drain(&rig);
	struct wall_test_client client;
	g_assert_true(wall_test_client_open(&client, rig.sockets[3]));
	const char *batch = "BEGIN\nSCENE main\nTILE t3 SOURCE red\nCOMMIT\n";
	wall_test_client_send(&client, batch, strlen(batch));
	json_object_unref(wall_test_client_read_ok(&client));
	json_object_unref(wall_test_client_read_ok(&client));
	json_object_unref(wall_test_client_read_ok(&client));
	json_object_unref(wall_test_client_read_ok(&client));
	wall_test_client_close(&client);
	g_assert_true(rig_wait_presented(&rig, "SCENE main; TILE t3 SOURCE red; COMMIT", RIG_NODES,
	                                 60, NULL));
	status = rig_ask_ok(&rig, 2, "STATUS");
	g_assert_cmpstr(json_object_get_string_member(status, "scene"), ==, "main");
	g_assert_cmpstr(tile_member(status, "t3", "pinned"), ==, "red");
	json_object_unref(status);
	rig_finish(&rig);
}

static void test_restart_catches_up(void)
{
	struct cluster_rig rig;
	if (!rig_start(&rig, true)) {
		return;
	}
	g_assert_true(rig_wait_all_online(&rig, 60));
	rig_node_kill(&rig, 1);
	rig_drain(&rig);
	json_object_unref(rig_ask_ok(&rig, 0, "SCENE other"));
	g_assert_true(rig_wait_presented(&rig, "SCENE other", RIG_NODES - 1, 60, NULL));
	json_object_unref(rig_ask_ok(&rig, 0, "TILE big SOURCE red"));
	g_assert_true(rig_wait_presented(&rig, "TILE big SOURCE red", RIG_NODES - 1, 60, NULL));
	json_object_unref(rig_ask_ok(&rig, 2, "PRESET SAVE 7 briefing"));
	g_assert_true(rig_wait_presented(&rig, "PRESET SAVE 7 briefing", RIG_NODES - 1, 60, NULL));

	rig_drain(&rig);
	rig_node_start(&rig, 1);
	JsonObject *event = rig_wait_event(&rig, "caught-up", "b", 60);
	g_assert_nonnull(event);
	g_assert_cmpstr(json_object_get_string_member(event, "scene"), ==, "other");
	json_object_unref(event);
	JsonObject *status = rig_ask_ok(&rig, 1, "STATUS");
	g_assert_cmpstr(json_object_get_string_member(status, "scene"), ==, "other");
	g_assert_cmpstr(tile_member(status, "big", "pinned"), ==, "red");
	json_object_unref(status);
	JsonObject *presets = rig_ask_ok(&rig, 1, "LIST PRESETS");
	JsonArray *list = json_object_get_array_member(presets, "presets");
	bool saved = false;
	for (guint i = 0; i < json_array_get_length(list); i++) {
		JsonObject *preset = json_array_get_object_element(list, i);
		saved = saved || (json_object_get_int_member(preset, "number") == 7 &&
		                  json_object_get_boolean_member(preset, "saved"));
	}
	g_assert_true(saved);
	json_object_unref(presets);
	rig_finish(&rig);
}

static int64_t frames_of(struct cluster_rig *rig, int i)
{
	JsonObject *status = rig_ask_ok(rig, i, "STATUS");
	int64_t frame = json_object_get_int_member(status, "frame");
	json_object_unref(status);
	return frame;
}

static void test_broker_outage(void)
{
	struct cluster_rig rig;
	if (!rig_start(&rig, true)) {
		return;
	}
	g_assert_true(rig_wait_all_online(&rig, 60));
	rig_broker_stop(&rig);
	int64_t before[RIG_NODES];
	for (int i = 0; i < RIG_NODES; i++) {
		before[i] = frames_of(&rig, i);
	}
	g_usleep(10 * G_USEC_PER_SEC);
	for (int i = 0; i < RIG_NODES; i++) {
		/* Still drawing: frames went on while the broker was away. */
		g_assert_cmpint(frames_of(&rig, i), >, before[i]);
	}
	/* A command with no broker changes nothing anywhere, and says so. */
	char *reply = rig_ask(&rig, 2, "SCENE other");
	g_assert_true(g_str_has_prefix(reply, "ERR cluster "));
	g_free(reply);

	rig_broker_start(&rig);
	g_assert_true(rig_wait_all_online(&rig, 60));
	rig_drain(&rig);
	json_object_unref(rig_ask_ok(&rig, 2, "SCENE other"));
	g_assert_true(rig_wait_presented(&rig, "SCENE other", RIG_NODES, 60, NULL));
	rig_finish(&rig);
}

/*
 * A camera tile across nodes a and b, wall.capture_delay 300ms: both draw
 * their half of the same stream, and no picture that knows its capture
 * time is drawn before capture + 300 ms on the shared clock.
 */
static void test_camera_across_nodes(void)
{
	int port = wall_test_free_port(G_SOCKET_TYPE_STREAM);
	char *exe = wall_test_build_path("plugins/camera/camserver/wall-camserver");
	char *port_text = g_strdup_printf("%d", port);
	const char *argv[] = {exe, "-p", port_text, "-n", "1", "--fps", "25", NULL};
	GSubprocess *camserver = wall_test_spawn(argv, G_SUBPROCESS_FLAGS_STDERR_SILENCE);
	rig_layout_name = "cluster-span.yaml";
	rig_camera_port = port_text;
	struct cluster_rig rig;
	bool started = rig_start(&rig, true);
	rig_layout_name = "cluster-2x2.yaml";
	rig_camera_port = NULL;
	if (!started) {
		wall_test_stop(camserver);
		g_free(port_text);
		g_free(exe);
		return;
	}
	int timed[2] = {0, 0};
	/* Capture times come with the camera's first RTCP sender reports: seconds. */
	int64_t end_us = g_get_monotonic_time() + 120 * G_USEC_PER_SEC;
	while ((timed[0] < 25 || timed[1] < 25) && g_get_monotonic_time() < end_us) {
		JsonObject *event = g_async_queue_timeout_pop(rig.shown, G_USEC_PER_SEC);
		if (event == NULL) {
			continue;
		}
		const char *node = json_object_get_string_member(event, "node");
		JsonObject *picture = json_array_get_object_element(
		        json_object_get_array_member(event, "pictures"), 0);
		const char *tile = json_object_get_string_member(picture, "tile");
		/* The camera's tile is across a and b; the grey one below, across c and d. */
		bool top = g_strcmp0(node, "a") == 0 || g_strcmp0(node, "b") == 0;
		g_assert_cmpstr(tile, ==, top ? "across" : "below");
		int64_t capture_us = json_object_get_int_member(picture, "capture_us");
		if (top && capture_us > 0) {
			/* Held: its frame's slot is at or after capture + 300 ms (1 ms of
			 * rounding). */
			g_assert_cmpint(json_object_get_int_member(event, "slot_us"), >=,
			                capture_us + 300 * 1000 - 1000);
			timed[g_strcmp0(node, "a") == 0 ? 0 : 1]++;
		}
		json_object_unref(event);
	}
	g_assert_cmpint(timed[0], >=, 25);
	g_assert_cmpint(timed[1], >=, 25);
	rig_finish(&rig);
	wall_test_stop(camserver);
	g_free(port_text);
	g_free(exe);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	/* The camera test's nodes run GStreamer: their leak checks need whole stacks. */
	wall_test_full_unwind_children();
	g_test_add_func("/cluster/layout-errors", test_layout_errors);
	g_test_add_func("/cluster/focus", test_focus);
	g_test_add_func("/cluster/batch-text", test_batch_text);
	g_test_add_func("/cluster/viewport-drawn", test_viewport_drawn);
	g_test_add_func("/cluster/scene-change", test_scene_change);
	g_test_add_func("/cluster/restart-catches-up", test_restart_catches_up);
	g_test_add_func("/cluster/broker-outage", test_broker_outage);
	g_test_add_func("/cluster/camera-across-nodes", test_camera_across_nodes);
	return g_test_run();
}
