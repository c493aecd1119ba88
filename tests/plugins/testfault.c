/*
 * A plugin that misbehaves on purpose, for the isolation tests. It pushes
 * a small BGRA picture every 20 ms from its own thread, and after
 * after_frames frames does what fault says:
 *   none     nothing (a healthy plugin)
 *   segv     writes through a NULL pointer
 *   abort    calls abort()
 *   spin     spins forever in its next show/hide/status callback
 *   deadlock locks its own mutex twice in its per-frame callback, on its
 *            pushing thread; its ticking thread keeps running
 *   alloc    allocates and touches memory without bound
 *   exit     exits with status 3
 *   garbage  (isolated only) writes random bytes as a message to the
 *            wall-plugin-host socket (fd 3), as plugin code in the child can
 *   escape   (isolated only) tries to kill the wall and its process
 *            group, then exits with status 4 when the sandbox refused both
 *   badframe (isolated only) describes, in the page the child shares
 *            with the wall, a picture that lies far outside its buffer,
 *            and puts it in the frame mailbox, every 20 ms
 * Besides the pushing thread, a ticking thread publishes the metric
 * "ticks" every 50 ms, whatever the other does, and emits the event
 * "testfault.tick" ({"n": ticks}) every 20 ticks. At its start it emits
 * "testfault.broken" with text that is not JSON, which the wall refuses.
 * Run in-process, every one but none takes the wall down; isolated, only
 * its own tile.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <wall/plugin.h>

/* Only to forge the child's messages and page; a real plugin never sees this. */
#include "isolate/ipc.h"

/* The socket wall-plugin-host talks to the wall on. */
#define HOST_SOCKET_FD 3

static const struct wall_option options[] = {
        {.name = "fault",
         .type = WALL_OPTION_ENUM,
         .default_value = "none",
         .choices = "none|segv|abort|spin|deadlock|alloc|exit|garbage|badframe|escape",
         .help = "how to fail"},
        {.name = "after_frames",
         .type = WALL_OPTION_INT,
         .default_value = "10",
         .min = 0,
         .max = 100000,
         .help = "frames pushed before failing"},
        {0},
};

struct instance {
	const struct wall_host *host;
	struct wall_source *source;
	char fault[16];
	int64_t after_frames;
	pthread_t thread;
	pthread_t ticker;
	pthread_mutex_t lock;
	atomic_bool stop;
	atomic_bool armed;
	uint32_t pixels[16 * 16];
};

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/*
 * Map the shared page again (the host closed its fd after mapping it;
 * /proc/self/maps names it) and describe, in the slot of the buffer the
 * last picture went in, one far outside that buffer.
 */
static void forge_bad_frame(void)
{
	FILE *maps = fopen("/proc/self/maps", "r");
	char line[512];
	struct wall_ipc_shared *shared = NULL;
	while (maps != NULL && shared == NULL && fgets(line, sizeof(line), maps) != NULL) {
		unsigned long start;
		if (strstr(line, "/memfd:wall-shared") != NULL &&
		    sscanf(line, "%lx-", &start) == 1) {
			shared = (struct wall_ipc_shared *)start;
		}
	}
	if (maps != NULL) {
		fclose(maps);
	}
	if (shared == NULL) {
		exit(6);
	}
	/* Buffer 0, the first the pool made: the wall has mapped it, it has a picture of ours. */
	shared->slots[0].frame = (struct wall_ipc_frame){.format = WALL_PIXEL_FORMAT_BGRA,
	                                                 .width_px = 4096,
	                                                 .height_px = 4096,
	                                                 .offsets = {1u << 30},
	                                                 .strides = {4096 * 4}};
	atomic_store(&shared->frame, 1);
}

static void fail_now(struct instance *self)
{
	if (strcmp(self->fault, "segv") == 0) {
		volatile int *nowhere = NULL;
		*nowhere = 1;
	} else if (strcmp(self->fault, "abort") == 0) {
		abort();
	} else if (strcmp(self->fault, "exit") == 0) {
		exit(3);
	} else if (strcmp(self->fault, "alloc") == 0) {
		for (;;) {
			char *block = malloc(8 << 20);
			if (block == NULL) {
				/* What a careless plugin does next. */
				raise(SIGSEGV);
			}
			memset(block, 1, 8 << 20);
			/* A fast leak, but one the wall's sampling can follow. */
			sleep_ms(20);
		}
	} else if (strcmp(self->fault, "garbage") == 0) {
		uint8_t noise[200];
		for (size_t i = 0; i < sizeof(noise); i++) {
			noise[i] = (uint8_t)rand();
		}
		send(HOST_SOCKET_FD, noise, sizeof(noise), MSG_NOSIGNAL);
	} else if (strcmp(self->fault, "badframe") == 0) {
		/* Again and again, as a plugin that scribbles on the page would. */
		for (;;) {
			forge_bad_frame();
			sleep_ms(20);
		}
	} else if (strcmp(self->fault, "escape") == 0) {
		pid_t wall = getppid();
		bool refused = kill(wall, SIGKILL) != 0 && kill(0, SIGKILL) != 0;
		exit(refused ? 4 : 5);
	} else if (strcmp(self->fault, "spin") == 0) {
		atomic_store(&self->armed, true);
	}
}

/* The plugin's per-frame callback: draws picture n under its lock. */
static void draw_frame(struct instance *self, int64_t n)
{
	pthread_mutex_lock(&self->lock);
	if (n == self->after_frames && strcmp(self->fault, "deadlock") == 0) {
		/* A lock taken twice, as a callback that calls back into its own code. */
		pthread_mutex_lock(&self->lock);
	}
	for (int i = 0; i < 16 * 16; i++) {
		self->pixels[i] = 0xff000000u | (uint32_t)(n * 40 % 256) << 8;
	}
	pthread_mutex_unlock(&self->lock);
}

static void *tick(void *data)
{
	struct instance *self = data;
	self->host->emit_event(self->source, "testfault.broken", "{not json");
	for (int64_t n = 1; !atomic_load(&self->stop); n++) {
		self->host->publish_metric(self->source, "ticks", (double)n);
		if (n % 20 == 0) {
			char json[48];
			snprintf(json, sizeof(json), "{\"n\": %lld}", (long long)n);
			self->host->emit_event(self->source, "testfault.tick", json);
		}
		sleep_ms(50);
	}
	return NULL;
}

static void *run(void *data)
{
	struct instance *self = data;
	for (int64_t n = 0; !atomic_load(&self->stop); n++) {
		if (n == self->after_frames) {
			fail_now(self);
		}
		draw_frame(self, n);
		struct wall_frame frame = {
		        .format = WALL_PIXEL_FORMAT_BGRA,
		        .width_px = 16,
		        .height_px = 16,
		        .planes = {(const uint8_t *)self->pixels},
		        .strides = {16 * 4},
		};
		self->host->push_frame(self->source, &frame);
		sleep_ms(20);
	}
	return NULL;
}

static void spin_if_armed(struct instance *self)
{
	while (atomic_load(&self->armed)) {
	}
}

static void *fault_create(const struct wall_host *host, struct wall_source *source)
{
	struct instance *self = calloc(1, sizeof(*self));
	self->host = host;
	self->source = source;
	const char *fault = host->config_string(source, "fault");
	strncpy(self->fault, fault != NULL ? fault : "none", sizeof(self->fault) - 1);
	self->after_frames = host->config_int(source, "after_frames", 10);
	pthread_mutex_init(&self->lock, NULL);
	if (pthread_create(&self->thread, NULL, run, self) != 0) {
		free(self);
		return NULL;
	}
	if (pthread_create(&self->ticker, NULL, tick, self) != 0) {
		atomic_store(&self->stop, true);
		pthread_join(self->thread, NULL);
		free(self);
		return NULL;
	}
	return self;
}

static void fault_destroy(void *instance)
{
	struct instance *self = instance;
	if (self == NULL) {
		return;
	}
	atomic_store(&self->stop, true);
	pthread_join(self->ticker, NULL);
	pthread_join(self->thread, NULL);
	pthread_mutex_destroy(&self->lock);
	free(self);
}

static void fault_status(void *instance, wall_status_fn add, void *user)
{
	struct instance *self = instance;
	spin_if_armed(self);
	add(user, "fault", self->fault);
}

static const struct wall_plugin plugin = {
        .abi_version = WALL_PLUGIN_ABI_VERSION,
        .struct_size = sizeof(struct wall_plugin),
        .name = "testfault",
        .description = "Fails on purpose (isolation tests)",
        .options = options,
        .create = fault_create,
        .destroy = fault_destroy,
        .status = fault_status,
};

const struct wall_plugin *wall_plugin_entry(void)
{
	return &plugin;
}
