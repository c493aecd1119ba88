/*
 * Not a test: what inspection costs. The camera server started here
 * serves N cameras; the real scheduler visits each once (on its sub
 * stream, through the real camera plugin, the checks judged), and the CPU
 * this process spends on it is measured. In the same run ffmpeg grabs the
 * same seconds of the same sub streams with its picture statistics
 * (signalstats), as someone without the wall would check a camera. The
 * cost per visit then gives the share of one core that visiting 200
 * cameras every 10 minutes takes.
 *
 *   build/tests/bench-inspection [CAMERAS] [SUB_SIZE]     (default 6 640x360)
 *
 * The camera server's encoders run on the same machine, outside both
 * measures.
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "inspection/camera_health.h"
#include "inspection/inspection.h"
#include "layout.h"
#include "plugin_registry.h"
#include "support.h"

#define VISIT_S 4

static double cpu_s(int who)
{
	struct rusage usage;
	getrusage(who, &usage);
	return (double)usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
	       (double)usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

static char *layout_text(int port, int cameras)
{
	GString *text = g_string_new(NULL);
	g_string_append_printf(text,
	                       "wall:\n  canvas: 640x360\n"
	                       "  inspection: {every: 10m, concurrency: 2, visit: %ds}\n"
	                       "sources:\n",
	                       VISIT_S);
	for (int i = 1; i <= cameras; i++) {
		g_string_append_printf(text,
		                       "  cam%02d:\n    plugin: camera\n"
		                       "    url: rtsp://127.0.0.1:%d/cam%02d\n"
		                       "    sub: rtsp://127.0.0.1:%d/cam%02d-sub\n",
		                       i, port, i, port, i);
	}
	g_string_append(text, "scenes:\n  main:\n    grid: 1x1\n    tiles:\n"
	                      "      - {id: t1, source: cam01, cell: [0, 0]}\n");
	return g_string_free(text, FALSE);
}

static void observe(struct wall_camera_health *health, struct wall_inspection *inspection,
                    const struct wall_layout *layout)
{
	wall_camera_health_begin(health);
	wall_inspection_begin(inspection, &layout->inspection);
	for (guint i = 0; i < layout->sources->len; i++) {
		const struct wall_layout_source *config = layout->sources->pdata[i];
		struct wall_camera_seen seen = {
		        .source = config->name,
		        .reason = "not shown or kept warm",
		        .since_us = g_get_real_time(),
		        .fps = -1,
		        .bitrate_kbps = -1,
		        .reconnects = -1,
		};
		wall_camera_health_see(health, &seen);
		wall_inspection_see(inspection, config, false, false, seen.reason);
	}
	wall_camera_health_end(health, g_get_real_time());
	wall_inspection_end(inspection);
}

/* The wall's scheduler: CPU seconds of this process per visit. */
static double wall_visits(int port, int cameras, double *wall_s)
{
	struct wall_plugin_registry *registry = wall_test_registry_with("camera");
	char *text = layout_text(port, cameras);
	GError *error = NULL;
	struct wall_layout *layout = wall_layout_parse(
	        "bench.yaml", text, strlen(text), wall_plugin_registry_options, registry, &error);
	g_assert_no_error(error);
	struct wall_camera_health *health = wall_camera_health_new(NULL);
	double cpu_start = cpu_s(RUSAGE_SELF);
	int64_t start_us = g_get_monotonic_time();
	struct wall_inspection *inspection = wall_inspection_new(health, registry);
	while (wall_inspection_visits(inspection) < (unsigned)cameras) {
		observe(health, inspection, layout);
		g_usleep(200 * 1000);
	}
	wall_inspection_destroy(inspection);
	double cpu = cpu_s(RUSAGE_SELF) - cpu_start;
	*wall_s = (double)(g_get_monotonic_time() - start_us) / G_USEC_PER_SEC;
	wall_camera_health_destroy(health);
	wall_layout_destroy(layout);
	wall_plugin_registry_destroy(registry);
	g_free(text);
	return cpu / cameras;
}

/* ffmpeg on the same sub streams, the same seconds, two at a time. */
static double ffmpeg_visits(int port, int cameras, double *wall_s)
{
	double cpu_start = cpu_s(RUSAGE_CHILDREN);
	int64_t start_us = g_get_monotonic_time();
	for (int i = 1; i <= cameras; i += 2) {
		GSubprocess *running[2] = {NULL, NULL};
		for (int j = 0; j < 2 && i + j <= cameras; j++) {
			char *url = g_strdup_printf("rtsp://127.0.0.1:%d/cam%02d-sub", port, i + j);
			char *seconds = g_strdup_printf("%d", VISIT_S);
			const char *argv[] = {
			        "ffmpeg", "-nostdin",    "-loglevel", "error", "-rtsp_transport",
			        "tcp",    "-i",          url,         "-t",    seconds,
			        "-vf",    "signalstats", "-f",        "null",  "-",
			        NULL};
			GError *error = NULL;
			running[j] = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_NONE, &error);
			g_assert_no_error(error);
			g_free(seconds);
			g_free(url);
		}
		for (int j = 0; j < 2; j++) {
			if (running[j] != NULL) {
				g_subprocess_wait_check(running[j], NULL, NULL);
				g_object_unref(running[j]);
			}
		}
	}
	*wall_s = (double)(g_get_monotonic_time() - start_us) / G_USEC_PER_SEC;
	return (cpu_s(RUSAGE_CHILDREN) - cpu_start) / cameras;
}

int main(int argc, char **argv)
{
	int cameras = argc > 1 ? atoi(argv[1]) : 6;
	const char *sub = argc > 2 ? argv[2] : "640x360";
	if (cameras < 1 || cameras > 99) {
		fprintf(stderr, "usage: bench-inspection [CAMERAS 1..99] [SUB_SIZE]\n");
		return 2;
	}
	char *server_path = wall_test_build_path("plugins/camera/camserver/wall-camserver");
	char *count = g_strdup_printf("--cameras=%d", cameras);
	char *sub_size = g_strdup_printf("--sub=%s", sub);
	const char *server_argv[] = {server_path, "--port=0", count, sub_size, "--fps=25", NULL};
	GSubprocess *server = wall_test_spawn(server_argv, G_SUBPROCESS_FLAGS_STDIN_PIPE |
	                                                           G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	GDataInputStream *out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(server));
	char *line = g_data_input_stream_read_line_utf8(out, NULL, NULL, NULL);
	if (line == NULL || !g_str_has_prefix(line, "READY port=")) {
		fprintf(stderr, "bench-inspection: the camera server did not start\n");
		return 1;
	}
	int port = atoi(line + strlen("READY port="));

	double wall_elapsed_s, ffmpeg_elapsed_s;
	double wall_cpu = wall_visits(port, cameras, &wall_elapsed_s);
	double ffmpeg_cpu = ffmpeg_visits(port, cameras, &ffmpeg_elapsed_s);
	/* 200 cameras every 600 s: the CPU seconds a period over its length. */
	double wall_share = 200 * wall_cpu / 600 * 100;
	double ffmpeg_share = 200 * ffmpeg_cpu / 600 * 100;
	printf("command: bench-inspection %d %s\n", cameras, sub);
	printf("%d cameras, sub stream %s at 25 fps, %d s of pictures a visit, 2 at a time\n",
	       cameras, sub, VISIT_S);
	printf("| contender                         | CPU s/visit | 200 cams/10 min | x ffmpeg | "
	       "elapsed s |\n");
	printf("|-----------------------------------|-------------|-----------------|----------|---"
	       "--------|\n");
	printf("| wall inspection (scheduler)       | %11.3f | %13.2f %% | %8.2f | %9.1f |\n",
	       wall_cpu, wall_share, wall_cpu / ffmpeg_cpu, wall_elapsed_s);
	printf("| ffmpeg -t %d -vf signalstats       | %11.3f | %13.2f %% | %8.2f | %9.1f |\n",
	       VISIT_S, ffmpeg_cpu, ffmpeg_share, 1.0, ffmpeg_elapsed_s);
	wall_test_stop(server);
	g_object_unref(out);
	g_free(line);
	g_free(sub_size);
	g_free(count);
	g_free(server_path);
	return 0;
}
