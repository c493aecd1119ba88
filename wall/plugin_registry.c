#include "plugin_registry.h"

#include <dlfcn.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "log.h"
#include "value.h"

/*
 * Bytes every plugin must provide: everything up to and including the
 * last required callback. A plugin built before the optional callbacks
 * existed stops here, and is still welcome.
 */
#define REQUIRED_SIZE                                                                              \
	(offsetof(struct wall_plugin, destroy) + sizeof(((struct wall_plugin *)0)->destroy))

/*
 * One plugin the registry looked for: loaded, or refused with a reason.
 * A refused entry is kept so that the reason is logged once and every
 * later lookup answers the same way without touching the disk again.
 */
struct entry {
	/* The file, or NULL when no file was found. */
	char *path;
	void *handle;
	/*
	 * The host's full-size copy of what the plugin exported. Fields the
	 * plugin's struct_size does not cover are NULL, so the rest of the
	 * wall reads optional callbacks without checking sizes.
	 */
	struct wall_plugin plugin;
	/* Why it was refused, naming the file; NULL when loaded. */
	char *error;
};

struct wall_plugin_registry {
	char **dirs;
	/*
	 * Lookups come from the render thread at scene set-up and from the
	 * control thread (layout checks), so the tables take a lock.
	 */
	GMutex lock;
	/* Owns every struct entry. */
	GPtrArray *entries;
	/* Layout key to entry. */
	GHashTable *by_name;
	/* File path to entry, so one file is opened once. */
	GHashTable *by_path;
};

static void entry_free(void *data)
{
	struct entry *entry = data;
	if (entry->handle != NULL) {
		dlclose(entry->handle);
	}
	g_free(entry->path);
	g_free(entry->error);
	g_free(entry);
}

struct wall_plugin_registry *wall_plugin_registry_create(const char *const *dirs)
{
	struct wall_plugin_registry *registry = g_new0(struct wall_plugin_registry, 1);
	registry->dirs = g_strdupv((char **)dirs);
	if (registry->dirs == NULL) {
		registry->dirs = g_new0(char *, 1);
	}
	g_mutex_init(&registry->lock);
	registry->entries = g_ptr_array_new_with_free_func(entry_free);
	registry->by_name = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	registry->by_path = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	return registry;
}

void wall_plugin_registry_destroy(struct wall_plugin_registry *registry)
{
	if (registry == NULL) {
		return;
	}
	/*
	 * dlclose unmaps plugin code, release callbacks included: every
	 * instance, and every frame they pushed, must be gone by now.
	 */
	g_hash_table_destroy(registry->by_path);
	g_hash_table_destroy(registry->by_name);
	g_ptr_array_free(registry->entries, TRUE);
	g_mutex_clear(&registry->lock);
	g_strfreev(registry->dirs);
	g_free(registry);
}

/* True when word is one of the '|'-separated choices. */
static bool choice_allowed(const char *choices, const char *word)
{
	char **list = g_strsplit(choices, "|", -1);
	bool found = g_strv_contains((const char *const *)list, word);
	g_strfreev(list);
	return found;
}

static bool in_range(const struct wall_option *option, double value)
{
	return option->min >= option->max || (value >= option->min && value <= option->max);
}

/*
 * Check that a default value is one the option's own type accepts, so a
 * layout that leaves the option out can never hand the plugin nonsense.
 * Returns NULL when it does, else what is wrong (g_free).
 */
static char *check_default(const struct wall_option *option)
{
	const char *text = option->default_value;
	switch (option->type) {
	case WALL_OPTION_INT: {
		gint64 value;
		if (!g_ascii_string_to_signed(text, 10, G_MININT64, G_MAXINT64, &value, NULL)) {
			return g_strdup("is not an integer");
		}
		if (!in_range(option, (double)value)) {
			return g_strdup("is out of its range");
		}
		return NULL;
	}
	case WALL_OPTION_DOUBLE: {
		char *end = NULL;
		double value = g_ascii_strtod(text, &end);
		if (end == text || *end != '\0') {
			return g_strdup("is not a number");
		}
		if (!in_range(option, value)) {
			return g_strdup("is out of its range");
		}
		return NULL;
	}
	case WALL_OPTION_BOOL: {
		bool value;
		return wall_parse_bool(text, &value) ? NULL : g_strdup("is not true or false");
	}
	case WALL_OPTION_COLOR: {
		uint32_t argb;
		return wall_parse_color(text, &argb) ? NULL : g_strdup("is not a #rrggbb colour");
	}
	case WALL_OPTION_DURATION: {
		int64_t ms;
		if (!wall_parse_duration_ms(text, &ms)) {
			return g_strdup("is not a duration");
		}
		if (!in_range(option, (double)ms / 1000.0)) {
			return g_strdup("is out of its range");
		}
		return NULL;
	}
	case WALL_OPTION_ENUM:
		if (!choice_allowed(option->choices, text)) {
			return g_strdup_printf("is not one of %s", option->choices);
		}
		return NULL;
	case WALL_OPTION_STRING:
	case WALL_OPTION_PATH:
	case WALL_OPTION_JSON:
		return NULL;
	case WALL_OPTION_INVALID:
		break;
	}
	return g_strdup("has an unknown type");
}

/*
 * Check the plugin's option table. The layout loader trusts it to decide
 * what a layout may set, so a table with a hole in it is refused here,
 * where the message can name the plugin file. Returns NULL when it is
 * well formed, else the reason (g_free).
 */
static char *check_options(const char *path, const struct wall_option *options)
{
	if (options == NULL) {
		return NULL;
	}
	for (const struct wall_option *option = options; option->name != NULL; option++) {
		if (*option->name == '\0') {
			return g_strdup_printf("%s: an option has an empty name", path);
		}
		for (const struct wall_option *earlier = options; earlier != option; earlier++) {
			if (g_str_equal(earlier->name, option->name)) {
				return g_strdup_printf("%s: option \"%s\" is declared twice", path,
						       option->name);
			}
		}
		if (option->type <= WALL_OPTION_INVALID || option->type > WALL_OPTION_JSON) {
			return g_strdup_printf("%s: option \"%s\" has unknown type %d", path,
					       option->name, (int)option->type);
		}
		if (option->type == WALL_OPTION_ENUM &&
		    (option->choices == NULL || *option->choices == '\0')) {
			return g_strdup_printf("%s: option \"%s\" is an enum without choices", path,
					       option->name);
		}
		if (option->default_value != NULL) {
			char *problem = check_default(option);
			if (problem != NULL) {
				char *why = g_strdup_printf(
					"%s: default \"%s\" of option \"%s\" %s", path,
					option->default_value, option->name, problem);
				g_free(problem);
				return why;
			}
		}
	}
	return NULL;
}

/*
 * Open path and check everything the wall relies on. On success fills
 * entry->handle and entry->plugin; on failure returns the reason and
 * leaves nothing open. expected_name may be NULL to accept any name.
 */
static char *load(struct entry *entry, const char *path, const char *expected_name)
{
	/*
	 * RTLD_NOW: an unresolved symbol fails here, with a message, rather
	 * than crashing the wall later in the middle of a frame. RTLD_LOCAL:
	 * two plugins may use the same helper names.
	 */
	void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (handle == NULL) {
		const char *reason = dlerror();
		return g_strdup_printf("%s: cannot load: %s", path,
				       reason != NULL ? reason : "unknown error");
	}

	char *why = NULL;
	const struct wall_plugin *(*entry_fn)(void) =
		(const struct wall_plugin *(*)(void))dlsym(handle, WALL_PLUGIN_ENTRY_SYMBOL);
	if (entry_fn == NULL) {
		why = g_strdup_printf("%s: no %s symbol; not a wall plugin", path,
				      WALL_PLUGIN_ENTRY_SYMBOL);
		goto err_close;
	}
	const struct wall_plugin *exported = entry_fn();
	if (exported == NULL) {
		why = g_strdup_printf("%s: %s returned NULL", path, WALL_PLUGIN_ENTRY_SYMBOL);
		goto err_close;
	}
	if (exported->abi_version != WALL_PLUGIN_ABI_VERSION) {
		why = g_strdup_printf("%s: built for plugin ABI %u, this wall speaks %u", path,
				      exported->abi_version, WALL_PLUGIN_ABI_VERSION);
		goto err_close;
	}
	if (exported->struct_size < REQUIRED_SIZE) {
		why = g_strdup_printf("%s: struct wall_plugin is %u bytes, every plugin needs at "
				      "least %zu",
				      path, exported->struct_size, REQUIRED_SIZE);
		goto err_close;
	}

	if (exported->struct_size > sizeof(struct wall_plugin)) {
		/*
		 * Built against a newer header: its callbacks past our end are
		 * ones this wall would never call, so it would run half-made.
		 */
		why = g_strdup_printf("%s: struct wall_plugin is %u bytes, larger than the %zu "
				      "this wall knows: built for a newer wall",
				      path, exported->struct_size, sizeof(struct wall_plugin));
		goto err_close;
	}

	/*
	 * From here on only the host's copy is read. An older plugin gets
	 * NULL for the callbacks it lacks.
	 */
	struct wall_plugin plugin = {0};
	memcpy(&plugin, exported, exported->struct_size);

	if (plugin.name == NULL || *plugin.name == '\0') {
		why = g_strdup_printf("%s: the plugin has no name", path);
		goto err_close;
	}
	if (expected_name != NULL && !g_str_equal(plugin.name, expected_name)) {
		why = g_strdup_printf("%s: the plugin calls itself \"%s\", not \"%s\"", path,
				      plugin.name, expected_name);
		goto err_close;
	}
	if (plugin.create == NULL) {
		why = g_strdup_printf("%s: missing required callback create", path);
		goto err_close;
	}
	if (plugin.destroy == NULL) {
		why = g_strdup_printf("%s: missing required callback destroy", path);
		goto err_close;
	}
	why = check_options(path, plugin.options);
	if (why != NULL) {
		goto err_close;
	}

	entry->handle = handle;
	entry->plugin = plugin;
	return NULL;

err_close:
	dlclose(handle);
	return why;
}

/* The file name without its folder and ".so": the name a plugin must carry. */
static char *name_from_path(const char *path)
{
	char *base = g_path_get_basename(path);
	if (g_str_has_suffix(base, ".so")) {
		base[strlen(base) - strlen(".so")] = '\0';
	}
	return base;
}

/*
 * The entry for path, loading it the first time. Called with the lock
 * held. A refusal is logged here, once, as the entry is cached.
 */
static struct entry *entry_for_path(struct wall_plugin_registry *registry, const char *path,
				    const char *expected_name)
{
	struct entry *entry = g_hash_table_lookup(registry->by_path, path);
	if (entry != NULL) {
		return entry;
	}
	entry = g_new0(struct entry, 1);
	entry->path = g_strdup(path);
	entry->error = load(entry, path, expected_name);
	if (entry->error != NULL) {
		wall_error("%s", entry->error);
	} else {
		wall_debug("loaded plugin \"%s\" from %s", entry->plugin.name, path);
	}
	g_ptr_array_add(registry->entries, entry);
	g_hash_table_insert(registry->by_path, g_strdup(path), entry);
	return entry;
}

/*
 * Where the plugin called name lives: NAME.so in a search folder, or
 * NAME/NAME.so (the build tree keeps each plugin in its own folder).
 * Returns NULL when no folder has it.
 */
static char *find_file(struct wall_plugin_registry *registry, const char *name)
{
	char *file = g_strconcat(name, ".so", NULL);
	char *found = NULL;
	for (char **dir = registry->dirs; *dir != NULL && found == NULL; dir++) {
		char *flat = g_build_filename(*dir, file, NULL);
		char *nested = g_build_filename(*dir, name, file, NULL);
		if (g_file_test(flat, G_FILE_TEST_IS_REGULAR)) {
			found = g_steal_pointer(&flat);
		} else if (g_file_test(nested, G_FILE_TEST_IS_REGULAR)) {
			found = g_steal_pointer(&nested);
		}
		g_free(flat);
		g_free(nested);
	}
	g_free(file);
	return found;
}

/*
 * A layout key becomes part of a file name, so it must not be able to
 * climb out of the search folders.
 */
static bool valid_name(const char *name)
{
	if (*name == '\0' || g_str_equal(name, ".") || g_str_equal(name, "..")) {
		return false;
	}
	return strchr(name, '/') == NULL;
}

static char *not_found_reason(struct wall_plugin_registry *registry, const char *name)
{
	if (!valid_name(name)) {
		return g_strdup_printf("\"%s\" is not a plugin name", name);
	}
	if (registry->dirs[0] == NULL) {
		return g_strdup_printf("no plugin \"%s\": no plugin folders to search", name);
	}
	char *dirs = g_strjoinv(", ", registry->dirs);
	char *why = g_strdup_printf("no plugin \"%s\" in %s", name, dirs);
	g_free(dirs);
	return why;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **wall_plugin_registry_names(struct wall_plugin_registry *registry)
{
	GHashTable *names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (char **dir = registry->dirs; *dir != NULL; dir++) {
		GDir *listing = g_dir_open(*dir, 0, NULL);
		const char *file;
		while (listing != NULL && (file = g_dir_read_name(listing)) != NULL) {
			char *name = name_from_path(file);
			char *path = find_file(registry, name);
			if (path != NULL && valid_name(name)) {
				g_hash_table_add(names, g_steal_pointer(&name));
			}
			g_free(path);
			g_free(name);
		}
		if (listing != NULL) {
			g_dir_close(listing);
		}
	}
	guint count = 0;
	const char **keys = (const char **)g_hash_table_get_keys_as_array(names, &count);
	char **list = g_strdupv((char **)keys);
	g_free(keys);
	g_hash_table_destroy(names);
	qsort(list, count, sizeof(*list), compare_names);
	return list;
}

const struct wall_plugin *wall_plugin_registry_get(struct wall_plugin_registry *registry,
						   const char *name, const char **why)
{
	g_return_val_if_fail(registry != NULL && name != NULL, NULL);

	g_mutex_lock(&registry->lock);
	struct entry *entry = g_hash_table_lookup(registry->by_name, name);
	if (entry == NULL) {
		char *path = valid_name(name) ? find_file(registry, name) : NULL;
		if (path != NULL) {
			entry = entry_for_path(registry, path, name);
		} else {
			entry = g_new0(struct entry, 1);
			entry->error = not_found_reason(registry, name);
			wall_error("%s", entry->error);
			g_ptr_array_add(registry->entries, entry);
		}
		g_free(path);
		g_hash_table_insert(registry->by_name, g_strdup(name), entry);
	}
	g_mutex_unlock(&registry->lock);

	/* Entries are never freed before the registry, so these stay valid. */
	if (entry->error != NULL) {
		if (why != NULL) {
			*why = entry->error;
		}
		return NULL;
	}
	return &entry->plugin;
}

const struct wall_plugin *wall_plugin_registry_load_file(struct wall_plugin_registry *registry,
							 const char *path, const char **why)
{
	g_return_val_if_fail(registry != NULL && path != NULL, NULL);

	/* The same rule as for a search: camera.so must hold "camera". */
	char *name = name_from_path(path);
	g_mutex_lock(&registry->lock);
	struct entry *entry = entry_for_path(registry, path, name);
	if (entry->error == NULL && !g_hash_table_contains(registry->by_name, name)) {
		g_hash_table_insert(registry->by_name, g_strdup(name), entry);
	}
	g_mutex_unlock(&registry->lock);
	g_free(name);

	if (entry->error != NULL) {
		if (why != NULL) {
			*why = entry->error;
		}
		return NULL;
	}
	return &entry->plugin;
}

const struct wall_option *wall_plugin_registry_options(const char *plugin, const char **why,
						       void *user)
{
	/* A plugin without options still gets a table, so NULL means "refused". */
	static const struct wall_option no_options[] = {{0}};
	const struct wall_plugin *loaded = wall_plugin_registry_get(user, plugin, why);
	if (loaded == NULL) {
		return NULL;
	}
	return loaded->options != NULL ? loaded->options : no_options;
}
