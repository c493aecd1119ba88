/*
 * The control socket end to end: a real headless wall process, driven
 * over its real socket (and TCP), checked through replies, screenshots
 * and its state file.
 */
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "support.h"

#define FPS 30

/* Canvas 320x180: main shows red left, blue right; other is all green. */
#define RED 0xffc03030u
#define BLUE 0xff3050c0u
#define GREEN 0xff30c050u
#define GREY 0xff808080u
#define ALARM 0xffe02020u

struct wall_process {
	GSubprocess *process;
	char *socket_path;
	char *state_path;
	char *layout_path;
	/* Where SCREENSHOT writes (--screenshot-dir). */
	char *shots_dir;
};

static int counter;

static char *copy_layout(void)
{
	char *from = wall_test_source_path("tests/layouts/control.yaml");
	char *text;
	gsize length;
	g_assert_true(g_file_get_contents(from, &text, &length, NULL));
	char *name = g_strdup_printf("control-%d.yaml", ++counter);
	char *path = wall_test_temp_path(name);
	g_assert_true(g_file_set_contents(path, text, (gssize)length, NULL));
	g_free(name);
	g_free(text);
	g_free(from);
	return path;
}

static char *ask(struct wall_test_client *client, const char *line)
{
	char *text = g_strdup_printf("%s\n", line);
	wall_test_client_send(client, text, strlen(text));
	g_free(text);
	char *reply = wall_test_client_read(client);
	g_assert_nonnull(reply);
	return reply;
}

static void ask_err(struct wall_test_client *client, const char *line, const char *code)
{
	char *reply = ask(client, line);
	char *want = g_strdup_printf("ERR %s ", code);
	if (!g_str_has_prefix(reply, want)) {
		g_printerr("%s -> %s\n", line, reply);
	}
	g_assert_true(g_str_has_prefix(reply, want));
	g_free(want);
	g_free(reply);
}

static int64_t frame_of(JsonObject *object)
{
	return json_object_get_int_member(object, "frame");
}

static int64_t status_frame(struct wall_test_client *client)
{
	JsonObject *status = wall_test_client_ask_ok(client, "STATUS");
	int64_t frame = frame_of(status);
	json_object_unref(status);
	return frame;
}

static struct wall_process *wall_start_full(const char *layout_path, const char *state_path,
					    const char *const *extra)
{
	struct wall_process *wall = g_new0(struct wall_process, 1);
	char *name = g_strdup_printf("wall-%d.sock", ++counter);
	wall->socket_path = wall_test_temp_path(name);
	g_free(name);
	wall->layout_path = g_strdup(layout_path);
	wall->state_path = g_strdup(state_path);
	name = g_strdup_printf("shots-%d", ++counter);
	wall->shots_dir = wall_test_temp_path(name);
	g_free(name);
	char *fps = g_strdup_printf("%d", FPS);
	GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(argv, wall_test_build_path("wall/wall"));
	const char *args[] = {"--backend", "headless", "--renderer", "soft", "--fps", fps,
			      "--control", wall->socket_path, "--state", state_path,
			      "--screenshot-dir", wall->shots_dir, NULL};
	for (int i = 0; args[i] != NULL; i++) {
		g_ptr_array_add(argv, g_strdup(args[i]));
	}
	for (int i = 0; extra != NULL && extra[i] != NULL; i++) {
		g_ptr_array_add(argv, g_strdup(extra[i]));
	}
	g_ptr_array_add(argv, g_strdup(layout_path));
	g_ptr_array_add(argv, NULL);
	/* A failed assertion must not leave a wall running, holding the
	 * test log's pipe open until meson's timeout. */
	wall->process = wall_test_spawn((const char *const *)argv->pdata, G_SUBPROCESS_FLAGS_NONE);
	g_ptr_array_unref(argv);
	g_free(fps);
	/* Ready when the socket answers. */
	for (int i = 0; i < 200; i++) {
		struct wall_test_client probe = {0};
		if (wall_test_client_open(&probe, wall->socket_path)) {
			wall_test_client_close(&probe);
			return wall;
		}
		g_usleep(50000);
	}
	g_error("the wall never opened %s", wall->socket_path);
	return NULL;
}

static struct wall_process *wall_start(void)
{
	char *layout = copy_layout();
	char *name = g_strdup_printf("state-%d.sqlite", ++counter);
	char *state = wall_test_temp_path(name);
	struct wall_process *wall = wall_start_full(layout, state, NULL);
	g_free(name);
	g_free(state);
	g_free(layout);
	return wall;
}

static void wall_stop(struct wall_process *wall, bool kill)
{
	if (kill) {
		g_subprocess_force_exit(wall->process);
	} else {
		g_subprocess_send_signal(wall->process, SIGTERM);
	}
	g_assert_true(g_subprocess_wait(wall->process, NULL, NULL));
	if (!kill) {
		g_assert_true(g_subprocess_get_if_exited(wall->process));
		g_assert_cmpint(g_subprocess_get_exit_status(wall->process), ==, 0);
	}
	g_object_unref(wall->process);
	g_free(wall->socket_path);
	g_free(wall->state_path);
	g_free(wall->layout_path);
	g_free(wall->shots_dir);
	g_free(wall);
}

static cairo_surface_t *screenshot(struct wall_test_client *client, int64_t *frame)
{
	/* A name, written into the wall's screenshot folder; the reply says where. */
	JsonObject *reply = wall_test_client_ask_ok(client, "SCREENSHOT shot.png");
	if (frame != NULL) {
		*frame = frame_of(reply);
	}
	const char *path = json_object_get_string_member(reply, "path");
	cairo_surface_t *surface = cairo_image_surface_create_from_png(path);
	g_assert_cmpint(cairo_surface_status(surface), ==, CAIRO_STATUS_SUCCESS);
	g_unlink(path);
	json_object_unref(reply);
	return surface;
}

static void assert_pixel(cairo_surface_t *surface, int x, int y, uint32_t want)
{
	uint32_t got = wall_test_pixel(surface, x, y);
	if (!wall_test_color_near(got, want, 6)) {
		g_printerr("pixel %d,%d is %08x, want %08x\n", x, y, got, want);
	}
	g_assert_true(wall_test_color_near(got, want, 6));
}

static void assert_screen(struct wall_test_client *client, uint32_t left, uint32_t right)
{
	cairo_surface_t *shot = screenshot(client, NULL);
	assert_pixel(shot, 80, 60, left);
	assert_pixel(shot, 240, 60, right);
	cairo_surface_destroy(shot);
}

static const char *tile_source(JsonObject *status, const char *id)
{
	JsonArray *tiles = json_object_get_array_member(status, "tiles");
	for (guint i = 0; i < json_array_get_length(tiles); i++) {
		JsonObject *tile = json_array_get_object_element(tiles, i);
		if (strcmp(json_object_get_string_member(tile, "id"), id) == 0) {
			return json_object_get_string_member(tile, "source");
		}
	}
	return NULL;
}

/* ---- Tests ---- */

static void test_basics(void)
{
	struct wall_process *wall = wall_start();
	struct wall_test_client c = {0};
	g_assert_true(wall_test_client_open(&c, wall->socket_path));

	char *reply = ask(&c, "PING");
	g_assert_cmpstr(reply, ==, "OK {\"pong\":true}");
	g_free(reply);
	reply = ask(&c, "#abc-1 ping\r");
	g_assert_cmpstr(reply, ==, "#abc-1 OK {\"pong\":true}");
	g_free(reply);
	reply = ask(&c, "#t9 NOSUCH thing");
	g_assert_true(g_str_has_prefix(reply, "#t9 ERR unknown "));
	g_free(reply);

	JsonObject *help = wall_test_client_ask_ok(&c, "HELP");
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(help, "commands")), >,
			 10);
	json_object_unref(help);

	JsonObject *list = wall_test_client_ask_ok(&c, "LIST SCENES");
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(list, "scenes")), ==, 3);
	json_object_unref(list);
	list = wall_test_client_ask_ok(&c, "list sources");
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(list, "sources")), ==,
			 4);
	json_object_unref(list);
	list = wall_test_client_ask_ok(&c, "LIST PRESETS");
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(list, "presets")), ==,
			 2);
	json_object_unref(list);
	list = wall_test_client_ask_ok(&c, "LIST TILES");
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(list, "tiles")), ==, 2);
	json_object_unref(list);

	JsonObject *status = wall_test_client_ask_ok(&c, "STATUS");
	g_assert_cmpstr(json_object_get_string_member(status, "scene"), ==, "main");
	g_assert_cmpstr(tile_source(status, "t1"), ==, "red");
	int64_t before = frame_of(status);
	json_object_unref(status);
	assert_screen(&c, RED, BLUE);

	/* A scene change lands on a later frame, and the screenshot shows it. */
	JsonObject *scene = wall_test_client_ask_ok(&c, "SCENE other");
	int64_t landed = frame_of(scene);
	g_assert_cmpint(landed, >, before);
	json_object_unref(scene);
	int64_t shot_frame;
	cairo_surface_t *shot = screenshot(&c, &shot_frame);
	g_assert_cmpint(shot_frame, >=, landed);
	assert_pixel(shot, 160, 90, GREEN);
	cairo_surface_destroy(shot);

	ask_err(&c, "SCENE nowhere", "not-found");
	ask_err(&c, "SCENE", "usage");
	ask_err(&c, "SCENE main TRANSITION dissolve", "usage");
	ask_err(&c, "SCENE main TRANSITION fade 99999", "usage");

	/* Presets from the layout, saved ones, and deleting them. */
	JsonObject *preset = wall_test_client_ask_ok(&c, "PRESET 1");
	g_assert_cmpstr(json_object_get_string_member(preset, "scene"), ==, "main");
	json_object_unref(preset);
	assert_screen(&c, RED, BLUE);
	json_object_unref(wall_test_client_ask_ok(&c, "TILE t1 SOURCE green"));
	assert_screen(&c, GREEN, BLUE);
	json_object_unref(wall_test_client_ask_ok(&c, "PRESET SAVE 7 早会 布局"));
	json_object_unref(wall_test_client_ask_ok(&c, "PRESET 2"));
	assert_screen(&c, GREEN, GREEN);
	preset = wall_test_client_ask_ok(&c, "PRESET 7");
	g_assert_cmpstr(json_object_get_string_member(preset, "scene"), ==, "main");
	json_object_unref(preset);
	assert_screen(&c, GREEN, BLUE);
	list = wall_test_client_ask_ok(&c, "LIST PRESETS");
	JsonArray *presets = json_object_get_array_member(list, "presets");
	g_assert_cmpuint(json_array_get_length(presets), ==, 3);
	JsonObject *seven = json_array_get_object_element(presets, 2);
	g_assert_cmpstr(json_object_get_string_member(seven, "name"), ==, "早会 布局");
	json_object_unref(list);
	json_object_unref(wall_test_client_ask_ok(&c, "PRESET DELETE 7"));
	ask_err(&c, "PRESET 7", "not-found");
	ask_err(&c, "PRESET DELETE 7", "not-found");
	ask_err(&c, "PRESET 0", "usage");
	ask_err(&c, "PRESET many", "usage");

	/* Pins. */
	json_object_unref(wall_test_client_ask_ok(&c, "TILE t1 RESET"));
	assert_screen(&c, RED, BLUE);
	ask_err(&c, "TILE t9 SOURCE green", "not-found");
	ask_err(&c, "TILE t1 SOURCE nothing", "not-found");
	ask_err(&c, "TILE t1 SOURCE", "usage");

	/* A batch lands on one frame. */
	json_object_unref(wall_test_client_ask_ok(&c, "BEGIN"));
	json_object_unref(wall_test_client_ask_ok(&c, "SCENE other"));
	json_object_unref(wall_test_client_ask_ok(&c, "SCENE main"));
	json_object_unref(wall_test_client_ask_ok(&c, "TILE t2 SOURCE grey"));
	reply = ask(&c, "#done COMMIT");
	g_assert_true(g_str_has_prefix(reply, "#done OK {\"frame\":"));
	g_free(reply);
	assert_screen(&c, RED, GREY);
	ask_err(&c, "COMMIT", "state");
	json_object_unref(wall_test_client_ask_ok(&c, "BEGIN"));
	ask_err(&c, "BEGIN", "state");
	ask_err(&c, "SUBSCRIBE", "state");
	JsonObject *aborted = wall_test_client_ask_ok(&c, "ABORT");
	g_assert_cmpint(json_object_get_int_member(aborted, "aborted"), ==, 0);
	json_object_unref(aborted);
	/* A failing command stops the batch with ERR. */
	json_object_unref(wall_test_client_ask_ok(&c, "BEGIN"));
	json_object_unref(wall_test_client_ask_ok(&c, "SCENE nowhere"));
	ask_err(&c, "COMMIT", "not-found");

	/* Data for panels. */
	JsonObject *data = wall_test_client_ask_ok(&c, "DATA district.rank {\"rows\": [1, 2, 3]}");
	g_assert_cmpstr(json_object_get_string_member(data, "key"), ==, "district.rank");
	json_object_unref(data);
	ask_err(&c, "DATA district.rank {not json", "usage");
	ask_err(&c, "DATA", "usage");

	/* The audit log has the changes, with frames. */
	JsonObject *audit = wall_test_client_ask_ok(&c, "AUDIT 100");
	JsonArray *rows = json_object_get_array_member(audit, "audit");
	g_assert_cmpuint(json_array_get_length(rows), >=, 10);
	/* Screenshots are audited too: the first change is after the first of them. */
	JsonObject *first = json_array_get_object_element(rows, 0);
	g_assert_cmpstr(json_object_get_string_member(first, "command"), ==, "SCREENSHOT shot.png");
	first = json_array_get_object_element(rows, 1);
	g_assert_cmpstr(json_object_get_string_member(first, "command"), ==, "SCENE other");
	g_assert_cmpstr(json_object_get_string_member(first, "result"), ==, "OK");
	g_assert_cmpint(json_object_get_int_member(first, "frame"), ==, landed);
	g_assert_true(g_str_has_prefix(json_object_get_string_member(first, "peer"), "uid:"));
	json_object_unref(audit);

	wall_test_client_close(&c);
	wall_stop(wall, false);
}

static void test_transitions(void)
{
	struct wall_process *wall = wall_start();
	struct wall_test_client c = {0};
	g_assert_true(wall_test_client_open(&c, wall->socket_path));

	/* Wait for the first picture, so the old one is known. */
	for (int i = 0; i < 100; i++) {
		cairo_surface_t *first = screenshot(&c, NULL);
		bool ready = wall_test_color_near(wall_test_pixel(first, 315, 90), BLUE, 6);
		cairo_surface_destroy(first);
		if (ready) {
			break;
		}
		g_usleep(100 * 1000);
	}
	/* A long wipe: half way, the left half is new and the right half old. */
	json_object_unref(wall_test_client_ask_ok(&c, "SCENE other TRANSITION wipe 3000"));
	g_usleep(1500 * 1000);
	cairo_surface_t *shot = screenshot(&c, NULL);
	assert_pixel(shot, 5, 90, GREEN);
	assert_pixel(shot, 315, 90, BLUE);
	cairo_surface_destroy(shot);
	JsonObject *status = wall_test_client_ask_ok(&c, "STATUS");
	g_assert_true(json_object_get_boolean_member(status, "transition"));
	json_object_unref(status);

	/* Interrupted by a cut: it ends at once, cleanly. */
	json_object_unref(wall_test_client_ask_ok(&c, "SCENE main"));
	assert_screen(&c, RED, BLUE);
	status = wall_test_client_ask_ok(&c, "STATUS");
	g_assert_false(json_object_get_boolean_member(status, "transition"));
	json_object_unref(status);

	/* A fade mixes the two pictures, then settles on the new one. */
	json_object_unref(wall_test_client_ask_ok(&c, "SCENE other TRANSITION fade 3000"));
	g_usleep(1500 * 1000);
	shot = screenshot(&c, NULL);
	uint32_t mid = wall_test_pixel(shot, 80, 60);
	cairo_surface_destroy(shot);
	g_assert_false(wall_test_color_near(mid, RED, 20));
	g_assert_false(wall_test_color_near(mid, GREEN, 20));
	/* Interrupted by another fade, which starts from the mixed picture. */
	json_object_unref(wall_test_client_ask_ok(&c, "SCENE main TRANSITION fade 200"));
	g_usleep(600 * 1000);
	assert_screen(&c, RED, BLUE);

	wall_test_client_close(&c);
	wall_stop(wall, false);
}

static void test_tours_and_alarms(void)
{
	struct wall_process *wall = wall_start();
	struct wall_test_client c = {0};
	g_assert_true(wall_test_client_open(&c, wall->socket_path));

	json_object_unref(wall_test_client_ask_ok(&c, "SCENE touring"));
	JsonObject *status = wall_test_client_ask_ok(&c, "STATUS");
	g_assert_cmpstr(tile_source(status, "tour"), ==, "red");
	json_object_unref(status);
	json_object_unref(wall_test_client_ask_ok(&c, "TOUR tour PAUSE"));
	json_object_unref(wall_test_client_ask_ok(&c, "TOUR tour NEXT"));
	assert_screen(&c, BLUE, GREY);
	g_usleep(1300 * 1000);
	/* Paused: still on blue after a dwell. */
	assert_screen(&c, BLUE, GREY);
	json_object_unref(wall_test_client_ask_ok(&c, "TOUR tour RESUME"));
	/* The dwell is 1 s: within 2.5 s it has moved on by itself. */
	g_usleep(2500 * 1000);
	status = wall_test_client_ask_ok(&c, "STATUS");
	g_assert_cmpstr(tile_source(status, "tour"), !=, "blue");
	json_object_unref(status);
	json_object_unref(wall_test_client_ask_ok(&c, "TOUR tour STOP"));
	assert_screen(&c, RED, GREY);
	json_object_unref(wall_test_client_ask_ok(&c, "TOUR tour START"));
	ask_err(&c, "TOUR still NEXT", "state");
	ask_err(&c, "TOUR nowhere NEXT", "not-found");
	ask_err(&c, "TOUR tour JUMP", "usage");

	/* An alarm pops green onto t2 with a red border, a second one queues. */
	json_object_unref(wall_test_client_ask_ok(&c, "SCENE main"));
	JsonObject *alarm = wall_test_client_ask_ok(&c, "ALARM green TILE t2 FOR 2");
	g_assert_cmpint(json_object_get_int_member(alarm, "queued"), ==, 0);
	json_object_unref(alarm);
	alarm = wall_test_client_ask_ok(&c, "ALARM grey FOR 1 PRIORITY 5");
	g_assert_cmpint(json_object_get_int_member(alarm, "queued"), ==, 1);
	json_object_unref(alarm);
	cairo_surface_t *shot = screenshot(&c, NULL);
	assert_pixel(shot, 240, 90, GREEN);
	assert_pixel(shot, 80, 90, RED);
	/* The border is lit for the first half second. */
	assert_pixel(shot, 161, 90, ALARM);
	cairo_surface_destroy(shot);
	ask_err(&c, "ALARM nothing", "not-found");
	ask_err(&c, "ALARM green TILE nowhere", "not-found");
	ask_err(&c, "ALARM green FOR never", "usage");
	/* After 2 s the queued one shows, on the largest tile, then all ends. */
	g_usleep(2300 * 1000);
	status = wall_test_client_ask_ok(&c, "STATUS");
	g_assert_cmpstr(tile_source(status, "t1"), ==, "grey");
	json_object_unref(status);
	JsonObject *cleared = wall_test_client_ask_ok(&c, "ALARM CLEAR");
	g_assert_cmpint(json_object_get_int_member(cleared, "cleared"), ==, 1);
	json_object_unref(cleared);
	assert_screen(&c, RED, BLUE);

	wall_test_client_close(&c);
	wall_stop(wall, false);
}

static void test_events(void)
{
	struct wall_process *wall = wall_start();
	struct wall_test_client watcher = {0};
	struct wall_test_client c = {0};
	g_assert_true(wall_test_client_open(&watcher, wall->socket_path));
	g_assert_true(wall_test_client_open(&c, wall->socket_path));
	json_object_unref(wall_test_client_ask_ok(&watcher, "SUBSCRIBE"));
	json_object_unref(wall_test_client_ask_ok(&c, "PRESET 2"));
	bool seen = false;
	for (int i = 0; i < 20 && !seen; i++) {
		char *line = wall_test_client_read(&watcher);
		g_assert_nonnull(line);
		g_assert_true(g_str_has_prefix(line, "EVENT {"));
		seen = strstr(line, "\"event\":\"scene\"") != NULL &&
		       strstr(line, "\"scene\":\"other\"") != NULL &&
		       strstr(line, "\"preset\":2") != NULL;
		g_free(line);
	}
	g_assert_true(seen);
	wall_test_client_close(&watcher);
	wall_test_client_close(&c);
	wall_stop(wall, false);
}

static void test_reload(void)
{
	struct wall_process *wall = wall_start();
	struct wall_test_client c = {0};
	g_assert_true(wall_test_client_open(&c, wall->socket_path));
	char *good;
	g_assert_true(g_file_get_contents(wall->layout_path, &good, NULL, NULL));

	JsonObject *reloaded = wall_test_client_ask_ok(&c, "RELOAD");
	g_assert_cmpstr(json_object_get_string_member(reloaded, "scene"), ==, "main");
	json_object_unref(reloaded);

	/* A broken file: ERR with FILE:LINE:COL, and the old layout keeps running. */
	char *bad = g_strdup_printf("%s      - {id: t3, source: nosuch, cell: [0, 0]}\n", good);
	char *at = strstr(bad, "  other:");
	g_assert_nonnull(at);
	/* Put the bad tile at the end of scene main, before "other". */
	GString *text = g_string_new_len(bad, at - bad);
	g_string_append(text, "      - {id: t3, source: nosuch, cell: [0, 0]}\n");
	g_string_append(text, strstr(good, "  other:"));
	g_assert_true(g_file_set_contents(wall->layout_path, text->str, -1, NULL));
	char *reply = ask(&c, "RELOAD");
	char *want = g_strdup_printf("ERR layout %s:", wall->layout_path);
	g_assert_true(g_str_has_prefix(reply, want));
	g_assert_nonnull(strstr(reply, "nosuch"));
	g_assert_true(g_regex_match_simple(":[0-9]+:[0-9]+: ", reply, 0, 0));
	g_free(want);
	g_free(reply);
	assert_screen(&c, RED, BLUE);

	/* A new canvas needs a restart: RELOAD refuses it, and the wall keeps going. */
	char *wider = g_strdup(good);
	char *canvas = strstr(wider, "canvas: 320x180");
	g_assert_nonnull(canvas);
	memcpy(canvas, "canvas: 640x180", strlen("canvas: 640x180"));
	g_assert_true(g_file_set_contents(wall->layout_path, wider, -1, NULL));
	reply = ask(&c, "RELOAD");
	g_assert_true(g_str_has_prefix(reply, "ERR layout "));
	g_assert_nonnull(strstr(reply, "the canvas changed from 320x180 to 640x180"));
	g_free(reply);
	g_free(wider);
	assert_screen(&c, RED, BLUE);

	/* Saving a good change reloads it by itself. */
	char *grown = g_strdup_printf("%s  extra:\n    tiles:\n      - {id: x, source: grey, "
				      "rect: [0, 0, 320, 180]}\n",
				      good);
	char *scenes_end = strstr(grown, "presets:");
	GString *with_extra = g_string_new_len(good, strstr(good, "presets:") - good);
	g_string_append(with_extra, "  extra:\n    tiles:\n      - {id: x, source: grey, rect: [0, "
				    "0, 320, 180], label: false}\n");
	g_string_append(with_extra, strstr(good, "presets:"));
	(void)scenes_end;
	g_assert_true(g_file_set_contents(wall->layout_path, with_extra->str, -1, NULL));
	bool found = false;
	for (int i = 0; i < 50 && !found; i++) {
		g_usleep(100 * 1000);
		JsonObject *list = wall_test_client_ask_ok(&c, "LIST SCENES");
		found = json_array_get_length(json_object_get_array_member(list, "scenes")) == 4;
		json_object_unref(list);
	}
	g_assert_true(found);
	json_object_unref(wall_test_client_ask_ok(&c, "SCENE extra"));
	assert_screen(&c, GREY, GREY);

	g_string_free(with_extra, TRUE);
	g_free(grown);
	g_string_free(text, TRUE);
	g_free(bad);
	g_free(good);
	wall_test_client_close(&c);
	wall_stop(wall, false);
}

struct flood {
	const char *socket_path;
	int ok;
	int refused;
};

static gpointer connect_and_ping(gpointer data)
{
	struct flood *flood = data;
	struct wall_test_client c = {0};
	if (!wall_test_client_open(&c, flood->socket_path)) {
		g_atomic_int_inc(&flood->refused);
		return NULL;
	}
	wall_test_client_send(&c, "PING\n", 5);
	char *reply = wall_test_client_read(&c);
	if (reply != NULL && strcmp(reply, "OK {\"pong\":true}") == 0) {
		g_atomic_int_inc(&flood->ok);
	} else {
		g_atomic_int_inc(&flood->refused);
	}
	g_free(reply);
	wall_test_client_close(&c);
	return NULL;
}

static void test_malformed(void)
{
	struct wall_process *wall = wall_start();
	struct wall_test_client c = {0};
	g_assert_true(wall_test_client_open(&c, wall->socket_path));
	int64_t start_frame = status_frame(&c);
	int64_t start_us = g_get_monotonic_time();

	/* Binary garbage: ERR for each line, and the connection still works. */
	static const unsigned char garbage[] = {0xff, 0xfe, 0x00, 0x01, 0x80, '\n'};
	wall_test_client_send(&c, garbage, sizeof(garbage));
	char *reply = wall_test_client_read(&c);
	g_assert_true(g_str_has_prefix(reply, "ERR syntax "));
	g_free(reply);
	ask_err(&c, "\x1b[A", "syntax");
	ask_err(&c, "SCENE \"unclosed", "syntax");
	ask_err(&c, "#", "syntax");
	ask_err(&c, "FROBNICATE", "unknown");
	ask_err(&c, "PING extra", "usage");
	ask_err(&c, "LIST COLOURS", "usage");
	ask_err(&c, "TOUR", "usage");
	ask_err(&c, "ALARM", "usage");
	ask_err(&c, "SCREENSHOT", "usage");
	ask_err(&c, "AUDIT -1", "usage");
	reply = ask(&c, "PING");
	g_assert_cmpstr(reply, ==, "OK {\"pong\":true}");
	g_free(reply);
	wall_test_client_close(&c);

	/* A 10 MB line: ERR too-long, then the wall closes the connection. */
	g_assert_true(wall_test_client_open(&c, wall->socket_path));
	gsize big = 10 * 1024 * 1024;
	char *line = g_malloc(big);
	memset(line, 'A', big);
	/* The wall may close before all of it is sent; that is its right. */
	g_output_stream_write_all(c.out, line, big, NULL, NULL, NULL);
	g_free(line);
	reply = wall_test_client_read(&c);
	g_assert_nonnull(reply);
	g_assert_true(g_str_has_prefix(reply, "ERR too-long "));
	g_free(reply);
	g_assert_null(wall_test_client_read(&c));
	wall_test_client_close(&c);

	/* Half a line, then gone. */
	g_assert_true(wall_test_client_open(&c, wall->socket_path));
	wall_test_client_send(&c, "SCENE oth", 9);
	wall_test_client_close(&c);

	/* 200 connections at once: each is answered. */
	struct flood flood = {.socket_path = wall->socket_path};
	GThread *threads[200];
	for (int i = 0; i < 200; i++) {
		threads[i] = g_thread_new("flood", connect_and_ping, &flood);
	}
	for (int i = 0; i < 200; i++) {
		g_thread_join(threads[i]);
	}
	g_assert_cmpint(flood.ok, ==, 200);

	/* And the wall kept its frame rate through all of it. */
	g_assert_true(wall_test_client_open(&c, wall->socket_path));
	g_usleep(1000 * 1000);
	int64_t frames = status_frame(&c) - start_frame;
	double seconds = (double)(g_get_monotonic_time() - start_us) / G_USEC_PER_SEC;
	g_test_message("%.1f fps while attacked (target %d)", frames / seconds, FPS);
	g_assert_cmpfloat(frames / seconds, >, FPS * 0.8);
	wall_test_client_close(&c);
	wall_stop(wall, false);
}

static void test_latency(void)
{
	struct wall_process *wall = wall_start();
	struct wall_test_client c = {0};
	g_assert_true(wall_test_client_open(&c, wall->socket_path));
	enum { N = 60 };
	double ms[N];
	int64_t last_frame = 0;
	for (int i = 0; i < N; i++) {
		int64_t t0 = g_get_monotonic_time();
		JsonObject *reply = wall_test_client_ask_ok(&c, i % 2 == 0 ? "SCENE other" : "SCENE main");
		ms[i] = (double)(g_get_monotonic_time() - t0) / 1000.0;
		g_assert_cmpint(frame_of(reply), >, last_frame);
		last_frame = frame_of(reply);
		json_object_unref(reply);
	}
	double sum = 0;
	double worst = 0;
	for (int i = 0; i < N; i++) {
		sum += ms[i];
		worst = MAX(worst, ms[i]);
	}
	double period_ms = 1000.0 / FPS;
	g_test_message("command to presented frame: mean %.1f ms, worst %.1f ms at %d fps "
		       "(one frame is %.1f ms)",
		       sum / N, worst, FPS, period_ms);
	/* Applied at the next frame start, answered after it is presented. */
	g_assert_cmpfloat(sum / N, <, 2.5 * period_ms);
	wall_test_client_close(&c);
	wall_stop(wall, false);
}

static void test_persistence(void)
{
	char *layout = copy_layout();
	char *state = wall_test_temp_path("persist.sqlite");
	struct wall_process *wall = wall_start_full(layout, state, NULL);
	struct wall_test_client c = {0};
	g_assert_true(wall_test_client_open(&c, wall->socket_path));
	json_object_unref(wall_test_client_ask_ok(&c, "SCENE main"));
	json_object_unref(wall_test_client_ask_ok(&c, "TILE t2 SOURCE green"));
	json_object_unref(wall_test_client_ask_ok(&c, "PRESET SAVE 4 green right"));
	json_object_unref(wall_test_client_ask_ok(&c, "SCENE touring"));
	wall_test_client_close(&c);
	wall_stop(wall, true);

	wall = wall_start_full(layout, state, NULL);
	g_assert_true(wall_test_client_open(&c, wall->socket_path));
	JsonObject *status = wall_test_client_ask_ok(&c, "STATUS");
	g_assert_cmpstr(json_object_get_string_member(status, "scene"), ==, "touring");
	json_object_unref(status);
	json_object_unref(wall_test_client_ask_ok(&c, "PRESET 4"));
	assert_screen(&c, RED, GREEN);
	JsonObject *audit = wall_test_client_ask_ok(&c, "AUDIT 3");
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(audit, "audit")), ==, 3);
	json_object_unref(audit);
	wall_test_client_close(&c);
	wall_stop(wall, false);

	/* --scene wins over the saved state. */
	const char *extra[] = {"--scene", "other", NULL};
	wall = wall_start_full(layout, state, extra);
	g_assert_true(wall_test_client_open(&c, wall->socket_path));
	status = wall_test_client_ask_ok(&c, "STATUS");
	g_assert_cmpstr(json_object_get_string_member(status, "scene"), ==, "other");
	json_object_unref(status);
	wall_test_client_close(&c);
	wall_stop(wall, false);
	g_free(state);
	g_free(layout);
}

static void test_auth(void)
{
	char *layout = copy_layout();
	char *state = wall_test_temp_path("auth.sqlite");
	char *token_path = wall_test_temp_path("token");
	g_assert_true(g_file_set_contents(token_path, "s3cret-token-42\n", -1, NULL));
	g_assert_cmpint(g_chmod(token_path, 0600), ==, 0);

	/* Beyond loopback without a token: the wall refuses to start. */
	const char *open_args[] = {"--backend", "headless", "--frames", "5",
				   "--state", state, "--control", token_path /* unused path */,
				   "--listen", "0.0.0.0:0", layout, NULL};
	char *sock = wall_test_temp_path("refused.sock");
	open_args[7] = sock;
	char *err = NULL;
	g_assert_cmpint(wall_test_run_wall(open_args, NULL, &err), ==, 2);
	g_assert_nonnull(strstr(err, "--token-file"));
	g_free(err);
	g_free(sock);

	guint16 port = (guint16)wall_test_free_port(G_SOCKET_TYPE_STREAM);
	char *listen = g_strdup_printf("127.0.0.1:%u", port);
	const char *extra[] = {"--listen", listen, "--token-file", token_path, NULL};
	struct wall_process *wall = wall_start_full(layout, state, extra);
	struct wall_test_client c = {0};
	wall_test_client_open_tcp(&c, port);
	/* PING and HELP need no token; the rest does. */
	char *reply = ask(&c, "PING");
	g_assert_cmpstr(reply, ==, "OK {\"pong\":true}");
	g_free(reply);
	ask_err(&c, "STATUS", "auth");
	ask_err(&c, "SCENE other", "auth");
	ask_err(&c, "AUTH wrong-token", "auth");
	json_object_unref(wall_test_client_ask_ok(&c, "AUTH s3cret-token-42"));
	json_object_unref(wall_test_client_ask_ok(&c, "SCENE other"));
	wall_test_client_close(&c);

	/* Three wrong tokens and the wall hangs up. */
	wall_test_client_open_tcp(&c, port);
	ask_err(&c, "AUTH a", "auth");
	ask_err(&c, "AUTH b", "auth");
	ask_err(&c, "AUTH c", "auth");
	reply = wall_test_client_read(&c);
	g_assert_true(reply == NULL || g_str_has_prefix(reply, "ERR auth"));
	g_free(reply);
	wall_test_client_close(&c);

	/* The Unix socket needs no token: its file permissions guard it. */
	g_assert_true(wall_test_client_open(&c, wall->socket_path));
	JsonObject *audit = wall_test_client_ask_ok(&c, "AUDIT 10");
	JsonArray *rows = json_object_get_array_member(audit, "audit");
	bool refused_logged = false;
	bool tcp_logged = false;
	for (guint i = 0; i < json_array_get_length(rows); i++) {
		JsonObject *row = json_array_get_object_element(rows, i);
		const char *peer = json_object_get_string_member(row, "peer");
		if (strcmp(json_object_get_string_member(row, "command"), "AUTH") == 0) {
			refused_logged = true;
		}
		if (g_str_has_prefix(peer, "tcp:127.0.0.1:") &&
		    strcmp(json_object_get_string_member(row, "command"), "SCENE other") == 0) {
			tcp_logged = true;
		}
	}
	/* Wrong tokens are counted, not audited: the log is the operators' history. */
	g_assert_false(refused_logged);
	g_assert_true(tcp_logged);
	json_object_unref(audit);
	wall_test_client_close(&c);
	wall_stop(wall, false);
	g_free(listen);
	g_free(token_path);
	g_free(state);
	g_free(layout);
}

static int run_wallctl(const char *const *args, char **out)
{
	GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(argv, wall_test_build_path("wall/wallctl"));
	for (; *args != NULL; args++) {
		g_ptr_array_add(argv, g_strdup(*args));
	}
	g_ptr_array_add(argv, NULL);
	int wait_status = 0;
	g_assert_true(g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
				   out, NULL, &wait_status, NULL));
	g_ptr_array_unref(argv);
	return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
}

static void test_wallctl(void)
{
	struct wall_process *wall = wall_start();
	const char *s = wall->socket_path;
	char *out = NULL;
	const char *ping[] = {"--socket", s, "ping", NULL};
	g_assert_cmpint(run_wallctl(ping, &out), ==, 0);
	g_assert_nonnull(strstr(out, "pong"));
	g_free(out);
	const char *preset[] = {"--socket", s, "--json", "preset", "2", NULL};
	g_assert_cmpint(run_wallctl(preset, &out), ==, 0);
	g_assert_true(g_str_has_prefix(out, "{\"frame\":"));
	g_free(out);
	/* wallctl checks durations with the layout's grammar, as the wall does. */
	const char *fade[] = {"--socket", s, "--json", "scene", "main", "transition", "fade", "1.5s",
			      NULL};
	g_assert_cmpint(run_wallctl(fade, &out), ==, 0);
	g_assert_nonnull(strstr(out, "\"duration_ms\":1500"));
	g_free(out);
	const char *bad_for[] = {"--socket", s, "alarm", "cam", "for", "soon", NULL};
	g_assert_cmpint(run_wallctl(bad_for, NULL), ==, 2);
	const char *name[] = {"--socket", s, "preset", "save", "3", "night shift", NULL};
	g_assert_cmpint(run_wallctl(name, NULL), ==, 0);
	const char *missing[] = {"--socket", s, "scene", "nowhere", NULL};
	g_assert_cmpint(run_wallctl(missing, NULL), ==, 1);
	const char *usage[] = {"--socket", s, "scene", NULL};
	g_assert_cmpint(run_wallctl(usage, NULL), ==, 2);
	const char *none[] = {NULL};
	g_assert_cmpint(run_wallctl(none, NULL), ==, 2);
	char *gone = wall_test_temp_path("nobody.sock");
	const char *unreachable[] = {"--socket", gone, "ping", NULL};
	g_assert_cmpint(run_wallctl(unreachable, NULL), ==, 3);
	g_free(gone);
	const char *audit[] = {"--socket", s, "audit", NULL};
	g_assert_cmpint(run_wallctl(audit, &out), ==, 0);
	g_assert_nonnull(strstr(out, "save 3 \"night shift\""));
	g_free(out);
	wall_stop(wall, false);
}

/* ---- Hardening: who may connect, what files a command may touch, limits ---- */

#define TOKEN "s3cret-token-42"

static int64_t control_counter(struct wall_test_client *client, const char *name)
{
	JsonObject *status = wall_test_client_ask_ok(client, "STATUS");
	JsonObject *control = json_object_get_object_member(status, "control");
	g_assert_nonnull(control);
	g_assert_true(json_object_has_member(control, name));
	int64_t value = json_object_get_int_member(control, name);
	json_object_unref(status);
	return value;
}

/* A token file only its owner reads, as the wall demands. */
static char *token_file(void)
{
	char *path = wall_test_temp_path("token");
	g_assert_true(g_file_set_contents(path, TOKEN "\n", -1, NULL));
	g_assert_cmpint(g_chmod(path, 0600), ==, 0);
	return path;
}

/* A wall listening on TCP port with a token; extra (may be NULL) adds two more arguments. */
static struct wall_process *wall_start_tcp(guint16 port, const char *name, const char *value)
{
	char *layout = copy_layout();
	char *state_name = g_strdup_printf("state-%d.sqlite", ++counter);
	char *state = wall_test_temp_path(state_name);
	char *token = token_file();
	char *listen = g_strdup_printf("127.0.0.1:%u", port);
	const char *extra[] = {"--listen", listen, "--token-file", token, name, value, NULL};
	struct wall_process *wall = wall_start_full(layout, state, extra);
	g_free(listen);
	g_free(token);
	g_free(state);
	g_free(state_name);
	g_free(layout);
	return wall;
}

/* Run the wall with args (a layout is added) and expect exit 2 with words in its stderr. */
static void assert_refused_start(const char *const *args, const char *words)
{
	char *layout = copy_layout();
	GPtrArray *argv = g_ptr_array_new();
	const char *headless[] = {"--backend", "headless", "--frames", "5", NULL};
	for (int i = 0; headless[i] != NULL; i++) {
		g_ptr_array_add(argv, (char *)headless[i]);
	}
	for (int i = 0; args[i] != NULL; i++) {
		g_ptr_array_add(argv, (char *)args[i]);
	}
	g_ptr_array_add(argv, layout);
	g_ptr_array_add(argv, NULL);
	char *err = NULL;
	int status = wall_test_run_wall((const char *const *)argv->pdata, NULL, &err);
	if (status != 2 || strstr(err, words) == NULL) {
		g_printerr("expected exit 2 with \"%s\", got %d: %s\n", words, status, err);
	}
	g_assert_cmpint(status, ==, 2);
	g_assert_nonnull(strstr(err, words));
	g_free(err);
	g_ptr_array_unref(argv);
	g_free(layout);
}

static void test_tcp_trust(void)
{
	char *state = wall_test_temp_path("trust.sqlite");
	char *sock = wall_test_temp_path("trust.sock");
	guint16 port = (guint16)wall_test_free_port(G_SOCKET_TYPE_STREAM);
	char *listen = g_strdup_printf("127.0.0.1:%u", port);

	/* Loopback TCP reaches every local user: no token, no start. */
	const char *bare[] = {"--state", state, "--control", sock, "--listen", listen, NULL};
	assert_refused_start(bare, "--token-file");
	/* The opt-in never reaches beyond loopback. */
	const char *wide[] = {"--state", state, "--control", sock, "--listen", "0.0.0.0:0",
			      "--listen-insecure-loopback", NULL};
	assert_refused_start(wide, "--token-file");
	/* A token others can read guards nothing. */
	char *open_token = wall_test_temp_path("open-token");
	g_assert_true(g_file_set_contents(open_token, TOKEN "\n", -1, NULL));
	g_assert_cmpint(g_chmod(open_token, 0644), ==, 0);
	const char *readable[] = {"--state", state, "--control", sock, "--listen", listen,
				  "--token-file", open_token, NULL};
	assert_refused_start(readable, "chmod 600");

	/* Knowingly open on loopback: commands work with no token. */
	char *layout = copy_layout();
	const char *insecure[] = {"--listen", listen, "--listen-insecure-loopback", NULL};
	struct wall_process *wall = wall_start_full(layout, state, insecure);
	struct wall_test_client c = {0};
	wall_test_client_open_tcp(&c, port);
	json_object_unref(wall_test_client_ask_ok(&c, "SCENE other"));
	wall_test_client_close(&c);
	wall_stop(wall, false);

	g_free(layout);
	g_free(open_token);
	g_free(listen);
	g_free(sock);
	g_free(state);
}

static void test_auth_deadline(void)
{
	guint16 port = (guint16)wall_test_free_port(G_SOCKET_TYPE_STREAM);
	struct wall_process *wall = wall_start_tcp(port, "--auth-timeout", "1");
	struct wall_test_client silent = {0};
	struct wall_test_client pinging = {0};
	struct wall_test_client authed = {0};
	wall_test_client_open_tcp(&silent, port);
	wall_test_client_open_tcp(&pinging, port);
	wall_test_client_open_tcp(&authed, port);
	json_object_unref(wall_test_client_ask_ok(&authed, "AUTH " TOKEN));
	/* PING needs no token, and does not keep a connection without one open. */
	char *reply = ask(&pinging, "PING");
	g_assert_cmpstr(reply, ==, "OK {\"pong\":true}");
	g_free(reply);
	reply = wall_test_client_read(&silent);
	g_assert_nonnull(reply);
	g_assert_true(g_str_has_prefix(reply, "ERR auth no AUTH <token> within 1 s"));
	g_free(reply);
	g_assert_null(wall_test_client_read(&silent));
	reply = wall_test_client_read(&pinging);
	g_assert_true(g_str_has_prefix(reply, "ERR auth "));
	g_free(reply);
	/* The one that authenticated stays. */
	g_usleep(1500 * 1000);
	g_assert_cmpint(control_counter(&authed, "auth_timeouts"), >=, 2);
	g_assert_cmpint(control_counter(&authed, "unauthenticated"), ==, 0);
	wall_test_client_close(&silent);
	wall_test_client_close(&pinging);
	wall_test_client_close(&authed);
	wall_stop(wall, false);
}

static void test_auth_backoff(void)
{
	guint16 port = (guint16)wall_test_free_port(G_SOCKET_TYPE_STREAM);
	struct wall_process *wall = wall_start_tcp(port, NULL, NULL);
	struct wall_test_client c = {0};
	wall_test_client_open_tcp(&c, port);
	ask_err(&c, "AUTH a-wrong-one", "auth");
	ask_err(&c, "AUTH b-wrong-one", "auth");
	ask_err(&c, "AUTH c-wrong-one", "auth");
	wall_test_client_close(&c);
	/* Now this address waits: even the right token is not checked. */
	wall_test_client_open_tcp(&c, port);
	char *reply = ask(&c, "AUTH " TOKEN);
	g_test_message("right token during the backoff: %s", reply);
	g_assert_true(g_str_has_prefix(reply, "ERR auth too many wrong tokens from 127.0.0.1"));
	g_free(reply);
	wall_test_client_close(&c);
	/* Once the wait is over it is. */
	bool in = false;
	for (int i = 0; i < 40 && !in; i++) {
		g_usleep(500 * 1000);
		wall_test_client_open_tcp(&c, port);
		reply = ask(&c, "AUTH " TOKEN);
		in = g_str_has_prefix(reply, "OK ");
		g_free(reply);
		if (!in) {
			wall_test_client_close(&c);
		}
	}
	g_assert_true(in);
	int64_t failures_before = control_counter(&c, "auth_failures");
	wall_test_client_close(&c);

	/* A guesser gets a few tries, then one now and then: count what is checked in 3 s. */
	int checked = 0;
	int attempts = 0;
	int64_t end = g_get_monotonic_time() + 3 * G_USEC_PER_SEC;
	while (g_get_monotonic_time() < end && attempts < 300) {
		struct wall_test_client guesser = {0};
		wall_test_client_open_tcp(&guesser, port);
		for (int i = 0; i < 3; i++) {
			char *line = g_strdup_printf("AUTH guess-%d\n", attempts++);
			wall_test_client_send(&guesser, line, strlen(line));
			g_free(line);
			char *answer = wall_test_client_read(&guesser);
			if (answer == NULL) {
				break;
			}
			checked += strcmp(answer, "ERR auth wrong token") == 0;
			g_free(answer);
		}
		wall_test_client_close(&guesser);
	}
	g_test_message("%d guesses sent in 3 s, %d checked", attempts, checked);
	g_assert_cmpint(checked, >=, 3);
	g_assert_cmpint(checked, <=, 5);

	/* Counted, not audited. */
	struct wall_test_client local = {0};
	g_assert_true(wall_test_client_open(&local, wall->socket_path));
	g_assert_cmpint(control_counter(&local, "auth_failures"), ==, failures_before + checked);
	g_assert_cmpint(control_counter(&local, "auth_backoff_refused"), >, 0);
	JsonObject *audit = wall_test_client_ask_ok(&local, "AUDIT 100");
	JsonArray *rows = json_object_get_array_member(audit, "audit");
	for (guint i = 0; i < json_array_get_length(rows); i++) {
		JsonObject *row = json_array_get_object_element(rows, i);
		g_assert_false(g_str_has_prefix(json_object_get_string_member(row, "command"),
						"AUTH"));
	}
	json_object_unref(audit);
	wall_test_client_close(&local);
	wall_stop(wall, false);
}

/* Open n TCP connections; with token, each authenticates. */
static struct wall_test_client *open_many(guint16 port, int n, bool token)
{
	struct wall_test_client *clients = g_new0(struct wall_test_client, n);
	for (int i = 0; i < n; i++) {
		wall_test_client_open_tcp(&clients[i], port);
		char *reply = ask(&clients[i], token ? "AUTH " TOKEN : "PING");
		g_assert_true(g_str_has_prefix(reply, "OK "));
		g_free(reply);
	}
	return clients;
}

static void close_many(struct wall_test_client *clients, int n)
{
	for (int i = 0; i < n; i++) {
		wall_test_client_close(&clients[i]);
	}
	g_free(clients);
}

/* The next TCP client is refused with ERR limit and words. */
static void assert_tcp_refused(guint16 port, const char *words)
{
	struct wall_test_client c = {0};
	wall_test_client_open_tcp(&c, port);
	char *reply = wall_test_client_read(&c);
	g_assert_nonnull(reply);
	g_assert_true(g_str_has_prefix(reply, "ERR limit "));
	g_assert_nonnull(strstr(reply, words));
	g_free(reply);
	wall_test_client_close(&c);
}

static void wait_connections(struct wall_test_client *local, int64_t want)
{
	for (int i = 0; i < 100 && control_counter(local, "connections") != want; i++) {
		g_usleep(100 * 1000);
	}
	g_assert_cmpint(control_counter(local, "connections"), ==, want);
}

static void test_connection_slots(void)
{
	guint16 port = (guint16)wall_test_free_port(G_SOCKET_TYPE_STREAM);
	struct wall_process *wall = wall_start_tcp(port, NULL, NULL);
	struct wall_test_client local = {0};
	g_assert_true(wall_test_client_open(&local, wall->socket_path));

	/* Clients without a token have a share of their own. */
	struct wall_test_client *waiting = open_many(port, 32, false);
	assert_tcp_refused(port, "waiting to authenticate");
	g_assert_cmpint(control_counter(&local, "unauthenticated"), ==, 32);
	close_many(waiting, 32);
	wait_connections(&local, 1);

	/* TCP clients with the token never take the Unix socket's slots. */
	struct wall_test_client *authed = open_many(port, 256 - 32, true);
	assert_tcp_refused(port, "too many TCP connections");
	struct wall_test_client operator = {0};
	g_assert_true(wall_test_client_open(&operator, wall->socket_path));
	json_object_unref(wall_test_client_ask_ok(&operator, "SCENE other"));
	g_assert_cmpint(control_counter(&operator, "refused_tcp_connections"), ==, 1);
	g_assert_cmpint(control_counter(&operator, "refused_unauthenticated"), ==, 1);
	wall_test_client_close(&operator);
	close_many(authed, 256 - 32);
	wall_test_client_close(&local);
	wall_stop(wall, false);
}

static void test_files(void)
{
	/* --control on a file that is not a socket: refused, and the file stays. */
	char *state = wall_test_temp_path("files.sqlite");
	char *precious = wall_test_temp_path("precious.sqlite");
	g_assert_true(g_file_set_contents(precious, "not a socket", -1, NULL));
	const char *swapped[] = {"--state", state, "--control", precious, NULL};
	assert_refused_start(swapped, "is not a socket");
	char *kept = NULL;
	g_assert_true(g_file_get_contents(precious, &kept, NULL, NULL));
	g_assert_cmpstr(kept, ==, "not a socket");
	g_free(kept);

	struct wall_process *wall = wall_start();
	struct wall_test_client c = {0};
	g_assert_true(wall_test_client_open(&c, wall->socket_path));
	/* Names only: no path, no way out of the folder, no hidden files. */
	char *line = g_strdup_printf("SCREENSHOT %s", wall->layout_path);
	ask_err(&c, line, "usage");
	g_free(line);
	ask_err(&c, "SCREENSHOT ../escape.png", "usage");
	ask_err(&c, "SCREENSHOT .hidden.png", "usage");
	ask_err(&c, "SCREENSHOT picture.txt", "usage");
	json_object_unref(wall_test_client_ask_ok(&c, "BEGIN"));
	ask_err(&c, "SCREENSHOT sub/dir.png", "usage");
	json_object_unref(wall_test_client_ask_ok(&c, "ABORT"));
	/* Never through a link: the file it points at stays as it was. */
	char *link = g_build_filename(wall->shots_dir, "evil.png", NULL);
	g_assert_cmpint(symlink(precious, link), ==, 0);
	ask_err(&c, "SCREENSHOT evil.png", "io");
	g_assert_true(g_file_get_contents(precious, &kept, NULL, NULL));
	g_assert_cmpstr(kept, ==, "not a socket");
	g_free(kept);
	g_free(link);
	/* A good one lands in the folder, and is audited. */
	JsonObject *shot = wall_test_client_ask_ok(&c, "SCREENSHOT good.png");
	char *want = g_build_filename(wall->shots_dir, "good.png", NULL);
	g_assert_cmpstr(json_object_get_string_member(shot, "path"), ==, want);
	g_assert_true(g_file_test(want, G_FILE_TEST_IS_REGULAR));
	g_free(want);
	json_object_unref(shot);
	JsonObject *audit = wall_test_client_ask_ok(&c, "AUDIT 1");
	JsonObject *row =
		json_array_get_object_element(json_object_get_array_member(audit, "audit"), 0);
	g_assert_cmpstr(json_object_get_string_member(row, "command"), ==, "SCREENSHOT good.png");
	json_object_unref(audit);
	g_assert_cmpint(control_counter(&c, "screenshots_refused"), ==, 6);
	wall_test_client_close(&c);
	wall_stop(wall, false);
	g_free(precious);
	g_free(state);
}

static void test_replies(void)
{
	struct wall_process *wall = wall_start();
	struct wall_test_client c = {0};

	/* Half-closed after sending: the command applies and the answer comes. */
	g_assert_true(wall_test_client_open(&c, wall->socket_path));
	wall_test_client_send(&c, "SCENE other\n", 12);
	g_assert_true(g_socket_shutdown(g_socket_connection_get_socket(c.conn), FALSE, TRUE, NULL));
	char *reply = wall_test_client_read(&c);
	g_assert_nonnull(reply);
	g_assert_true(g_str_has_prefix(reply, "OK {\"frame\":"));
	g_free(reply);
	g_assert_null(wall_test_client_read(&c));
	wall_test_client_close(&c);

	/* A whole line too long, in one piece: ERR too-long, then the wall hangs up. */
	g_assert_true(wall_test_client_open(&c, wall->socket_path));
	gsize big = 70 * 1024;
	char *line = g_malloc(big + 1);
	memset(line, 'A', big);
	line[big] = '\n';
	wall_test_client_send(&c, line, big + 1);
	g_free(line);
	reply = wall_test_client_read(&c);
	g_assert_nonnull(reply);
	g_assert_true(g_str_has_prefix(reply, "ERR too-long "));
	g_free(reply);
	/* Gone: a PING gets no answer (the write itself may fail). */
	g_output_stream_write_all(c.out, "PING\n", 5, NULL, NULL, NULL);
	g_assert_null(wall_test_client_read(&c));
	wall_test_client_close(&c);

	/* An error reply never cuts a character in half. */
	g_assert_true(wall_test_client_open(&c, wall->socket_path));
	GString *name = g_string_new(NULL);
	for (int i = 0; i < 50; i++) {
		g_string_append(name, "茂");
	}
	reply = ask(&c, name->str);
	g_test_message("%s", reply);
	g_assert_true(g_str_has_prefix(reply, "ERR unknown "));
	g_assert_true(g_utf8_validate(reply, -1, NULL));
	g_free(reply);
	g_string_free(name, TRUE);
	g_assert_cmpint(control_counter(&c, "lines_too_long"), ==, 1);
	wall_test_client_close(&c);
	wall_stop(wall, false);
}

static void test_audit_limits(void)
{
	struct wall_process *wall = wall_start();
	struct wall_test_client c = {0};
	g_assert_true(wall_test_client_open(&c, wall->socket_path));
	/* Twenty failing commands of 60 KB: each stored cut to about 1 KiB. */
	GString *long_name = g_string_new("SCENE ");
	for (int i = 0; i < 60 * 1024; i++) {
		g_string_append_c(long_name, 'x');
	}
	for (int i = 0; i < 20; i++) {
		ask_err(&c, long_name->str, "not-found");
	}
	g_string_free(long_name, TRUE);
	JsonObject *audit = wall_test_client_ask_ok(&c, "AUDIT 20");
	JsonArray *rows = json_object_get_array_member(audit, "audit");
	g_assert_cmpuint(json_array_get_length(rows), ==, 20);
	for (guint i = 0; i < 20; i++) {
		JsonObject *row = json_array_get_object_element(rows, i);
		const char *command = json_object_get_string_member(row, "command");
		g_assert_cmpuint(strlen(command), <=, 1024);
		g_assert_true(g_str_has_suffix(command, "…"));
		g_assert_cmpuint(strlen(json_object_get_string_member(row, "result")), <=, 1024);
	}
	json_object_unref(audit);
	g_assert_cmpint(control_counter(&c, "audit_truncated"), ==, 20);
	/* The database and its write-ahead log together. */
	int64_t bytes = 0;
	const char *suffixes[] = {"", "-wal"};
	for (size_t i = 0; i < G_N_ELEMENTS(suffixes); i++) {
		char *path = g_strconcat(wall->state_path, suffixes[i], NULL);
		GStatBuf info;
		if (g_stat(path, &info) == 0) {
			bytes += info.st_size;
		}
		g_free(path);
	}
	g_test_message("state file after 20 x 60 KB failing commands: %" G_GINT64_FORMAT
		       " bytes",
		       bytes);
	g_assert_cmpint(bytes, <, 512 * 1024);

	/* A bounded number of rows per reply. */
	ask_err(&c, "AUDIT 1001", "limit");
	g_assert_cmpint(control_counter(&c, "audit_rows_refused"), ==, 1);

	/* A thousand rows, pipelined (64 a frame), then one long reply streamed
	 * in pieces, and the PING behind it answered after it, whole. */
	GString *many = g_string_new(NULL);
	for (int i = 0; i < 1000; i++) {
		g_string_append(many, i % 2 == 0 ? "SCENE other\n" : "SCENE main\n");
	}
	wall_test_client_send(&c, many->str, many->len);
	g_string_free(many, TRUE);
	for (int i = 0; i < 1000; i++) {
		char *reply = wall_test_client_read(&c);
		g_assert_nonnull(reply);
		g_assert_true(g_str_has_prefix(reply, "OK "));
		g_free(reply);
	}
	wall_test_client_send(&c, "#big AUDIT 1000\nPING\n", 21);
	char *reply = wall_test_client_read(&c);
	g_assert_nonnull(reply);
	g_test_message("AUDIT 1000: %zu bytes", strlen(reply));
	g_assert_cmpuint(strlen(reply), >, 64 * 1024);
	g_assert_true(g_str_has_prefix(reply, "#big OK "));
	JsonNode *node = json_from_string(reply + strlen("#big OK "), NULL);
	g_assert_nonnull(node);
	rows = json_object_get_array_member(json_node_get_object(node), "audit");
	g_assert_cmpuint(json_array_get_length(rows), ==, 1000);
	json_node_unref(node);
	g_free(reply);
	reply = wall_test_client_read(&c);
	g_assert_cmpstr(reply, ==, "OK {\"pong\":true}");
	g_free(reply);
	wall_test_client_close(&c);
	wall_stop(wall, false);
}

/* wallctl reads its token file as the wall does: one others can read is refused, unsent. */
static void test_wallctl_token_file(void)
{
	guint16 port = (guint16)wall_test_free_port(G_SOCKET_TYPE_STREAM);
	char *path = token_file();
	struct wall_process *wall = wall_start_tcp(port, NULL, NULL);
	char *address = g_strdup_printf("127.0.0.1:%u", port);
	const char *ok[] = {"--connect", address, "--token-file", path, "ping", NULL};
	char *out = NULL;
	g_assert_cmpint(run_wallctl(ok, &out), ==, 0);
	g_assert_nonnull(strstr(out, "pong"));
	g_free(out);

	struct wall_test_client c = {0};
	g_assert_true(wall_test_client_open(&c, wall->socket_path));
	int64_t failures = control_counter(&c, "auth_failures");
	g_assert_cmpint(g_chmod(path, 0644), ==, 0);
	char *argv[] = {NULL, "--connect", address, "--token-file", path, "status", NULL};
	argv[0] = wall_test_build_path("wall/wallctl");
	char *err = NULL;
	int wait_status = 0;
	g_assert_true(g_spawn_sync(NULL, argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
				   &err, &wait_status, NULL));
	g_assert_true(WIFEXITED(wait_status));
	g_assert_cmpint(WEXITSTATUS(wait_status), ==, 2);
	g_assert_nonnull(strstr(err, "others can read it (mode 0644)"));
	g_assert_nonnull(strstr(err, "chmod 600"));
	/* Refused before it reached the wall: no AUTH was tried. */
	g_assert_cmpint(control_counter(&c, "auth_failures"), ==, failures);
	g_free(err);
	g_free(argv[0]);
	wall_test_client_close(&c);
	wall_stop(wall, false);
	g_free(address);
	g_free(path);
}

static int64_t status_limit(struct wall_test_client *client, const char *name)
{
	JsonObject *status = wall_test_client_ask_ok(client, "STATUS");
	JsonObject *limits = json_object_get_object_member(status, "limits");
	g_assert_nonnull(limits);
	g_assert_true(json_object_has_member(limits, name));
	int64_t value = json_object_get_int_member(limits, name);
	json_object_unref(status);
	return value;
}

/* DATA set and delete: the datastore's limits answer ERR, are counted in STATUS; deletes are audited. */
static void test_data(void)
{
	struct wall_process *wall = wall_start();
	struct wall_test_client c = {0};
	g_assert_true(wall_test_client_open(&c, wall->socket_path));
	g_assert_cmpint(status_limit(&c, "data_keys"), ==, 0);
	g_assert_cmpint(status_limit(&c, "data_refused"), ==, 0);
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
	/* The C heap as glibc sees it: something is in use. */
	JsonObject *status = wall_test_client_ask_ok(&c, "STATUS");
	JsonObject *heap = json_object_get_object_member(status, "heap");
	g_assert_nonnull(heap);
	g_assert_cmpint(json_object_get_int_member(heap, "in_use_kb"), >, 0);
	g_assert_true(json_object_has_member(heap, "free_kb"));
	json_object_unref(status);
#endif

	/* A key longer than 256 bytes is refused, and counted. */
	GString *line = g_string_new("DATA ");
	for (int i = 0; i < 257; i++) {
		g_string_append_c(line, 'k');
	}
	g_string_append(line, " {}");
	ask_err(&c, line->str, "limit");
	g_string_free(line, TRUE);
	g_assert_cmpint(status_limit(&c, "data_refused"), ==, 1);

	/* 1024 keys, pipelined; the 1025th is refused until one is deleted. */
	GString *many = g_string_new(NULL);
	for (int i = 0; i < 1024; i++) {
		g_string_append_printf(many, "DATA key-%d {\"v\": %d}\n", i, i);
	}
	wall_test_client_send(&c, many->str, many->len);
	g_string_free(many, TRUE);
	for (int i = 0; i < 1024; i++) {
		char *reply = wall_test_client_read(&c);
		g_assert_nonnull(reply);
		g_assert_true(g_str_has_prefix(reply, "OK "));
		g_free(reply);
	}
	g_assert_cmpint(status_limit(&c, "data_keys"), ==, 1024);
	ask_err(&c, "DATA one-more {}", "limit");
	g_assert_cmpint(status_limit(&c, "data_refused"), ==, 2);
	/* Replacing a key always works. */
	json_object_unref(wall_test_client_ask_ok(&c, "DATA key-7 [1, 2]"));

	JsonObject *deleted = wall_test_client_ask_ok(&c, "data delete key-7  ");
	g_assert_cmpstr(json_object_get_string_member(deleted, "key"), ==, "key-7");
	g_assert_true(json_object_get_boolean_member(deleted, "deleted"));
	json_object_unref(deleted);
	g_assert_cmpint(status_limit(&c, "data_keys"), ==, 1023);
	json_object_unref(wall_test_client_ask_ok(&c, "DATA one-more {}"));
	g_assert_cmpint(status_limit(&c, "data_refused"), ==, 2);

	/* The same checks as a set: a bad key, a missing key, a key never set. */
	ask_err(&c, "DATA DELETE key-7", "not-found");
	ask_err(&c, "DATA DELETE", "usage");
	ask_err(&c, "DATA DELETE a;rm", "usage");
	ask_err(&c, "DATA DELETE a b", "usage");

	/* Deletes are audited, found or not; sets are not (feeds push all day). */
	JsonObject *audit = wall_test_client_ask_ok(&c, "AUDIT 10");
	JsonArray *rows = json_object_get_array_member(audit, "audit");
	g_assert_cmpuint(json_array_get_length(rows), ==, 2);
	JsonObject *row = json_array_get_object_element(rows, 0);
	g_assert_cmpstr(json_object_get_string_member(row, "command"), ==, "data delete key-7");
	g_assert_cmpstr(json_object_get_string_member(row, "result"), ==, "OK");
	row = json_array_get_object_element(rows, 1);
	g_assert_cmpstr(json_object_get_string_member(row, "command"), ==, "DATA DELETE key-7");
	g_assert_true(g_str_has_prefix(json_object_get_string_member(row, "result"),
				       "ERR not-found"));
	json_object_unref(audit);
	wall_test_client_close(&c);
	wall_stop(wall, false);
}

/* A plugin slow on the render thread shows in STATUS (debug builds time callbacks). */
static void test_slow_callbacks_in_status(void)
{
#ifdef NDEBUG
	g_test_skip("built with NDEBUG: callbacks are not timed");
	return;
#endif
	char *layout = wall_test_source_path("tests/layouts/slow-plugin.yaml");
	char *state = wall_test_temp_path("slow.sqlite");
	const char *extra[] = {"--plugin-path", WALL_TEST_PLUGIN_DIR, NULL};
	struct wall_process *wall = wall_start_full(layout, state, extra);
	struct wall_test_client c = {0};
	g_assert_true(wall_test_client_open(&c, wall->socket_path));
	/* testslow waits 20 ms in create() and in show(). */
	g_assert_cmpint(status_limit(&c, "slow_render_callbacks"), >=, 2);
	wall_test_client_close(&c);
	wall_stop(wall, false);
	g_free(state);
	g_free(layout);
}

static void test_screenshots_share_a_read(void)
{
	struct wall_process *wall = wall_start();
	struct wall_test_client c = {0};
	g_assert_true(wall_test_client_open(&c, wall->socket_path));
	int64_t reads_before = control_counter(&c, "canvas_reads");
	GString *lines = g_string_new(NULL);
	for (int i = 0; i < 64; i++) {
		g_string_append_printf(lines, "SCREENSHOT many-%d.png\n", i);
	}
	wall_test_client_send(&c, lines->str, lines->len);
	g_string_free(lines, TRUE);
	GHashTable *frames = g_hash_table_new(g_int64_hash, g_int64_equal);
	int64_t frame_values[64];
	for (int i = 0; i < 64; i++) {
		char *reply = wall_test_client_read(&c);
		g_assert_nonnull(reply);
		g_assert_true(g_str_has_prefix(reply, "OK "));
		JsonNode *node = json_from_string(reply + 3, NULL);
		frame_values[i] = json_object_get_int_member(json_node_get_object(node), "frame");
		g_hash_table_add(frames, &frame_values[i]);
		json_node_unref(node);
		g_free(reply);
	}
	int64_t reads = control_counter(&c, "canvas_reads") - reads_before;
	g_test_message("64 pipelined screenshots on %u frame(s): %" G_GINT64_FORMAT
		       " canvas read(s)",
		       g_hash_table_size(frames), reads);
	g_assert_cmpint(reads, ==, g_hash_table_size(frames));
	g_hash_table_unref(frames);
	wall_test_client_close(&c);
	wall_stop(wall, false);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/control/basics", test_basics);
	g_test_add_func("/control/transitions", test_transitions);
	g_test_add_func("/control/tours-and-alarms", test_tours_and_alarms);
	g_test_add_func("/control/events", test_events);
	g_test_add_func("/control/reload", test_reload);
	g_test_add_func("/control/malformed", test_malformed);
	g_test_add_func("/control/latency", test_latency);
	g_test_add_func("/control/persistence", test_persistence);
	g_test_add_func("/control/auth", test_auth);
	g_test_add_func("/control/wallctl", test_wallctl);
	g_test_add_func("/control/tcp-trust", test_tcp_trust);
	g_test_add_func("/control/auth-deadline", test_auth_deadline);
	g_test_add_func("/control/auth-backoff", test_auth_backoff);
	g_test_add_func("/control/connection-slots", test_connection_slots);
	g_test_add_func("/control/files", test_files);
	g_test_add_func("/control/replies", test_replies);
	g_test_add_func("/control/audit-limits", test_audit_limits);
	g_test_add_func("/control/screenshots-share-a-read", test_screenshots_share_a_read);
	g_test_add_func("/control/data", test_data);
	g_test_add_func("/control/wallctl-token-file", test_wallctl_token_file);
	g_test_add_func("/control/slow-callbacks-in-status", test_slow_callbacks_in_status);
	return g_test_run();
}
