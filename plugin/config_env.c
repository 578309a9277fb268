#include "plugin/config_env.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "common/error.h"
#include "plugin/config_set.h"
#include "plugin/ignored_settings.h"
#include "plugin/woodpecker.h"

/* mainline's connections and the pipeline's: the names are passed as they are set */
#define PROXY_USE (CONFIG_ENV_READ | CONFIG_ENV_PIPELINE | CONFIG_ENV_RUN)

/*
 * Every environment variable mainline reads or passes to the pipeline,
 * besides the settings (a name ending in '_' is a family, one ending in '*'
 * every name that starts with what comes before it). A build
 * parameter naming one of these is refused (drone_api.c), and without the
 * Drone API the CONFIG_ENV_RUN ones cannot be told from parameters (gate.c).
 */
static const struct env_var {
	const char *name;
	unsigned use;
	const char *what;
} env_vars[] = {
    {"PLUGIN_", CONFIG_ENV_SETTING | CONFIG_ENV_READ, "a setting"},
    {"DRONE_", CONFIG_ENV_READ | CONFIG_ENV_PIPELINE, "the Drone build context"},
    {"CI_", CONFIG_ENV_READ | CONFIG_ENV_PIPELINE, "the Woodpecker build context"},
    /* CI and DRONE, and the proxies in both cases: what runner-go gives every step */
    {"CI", CONFIG_ENV_READ | CONFIG_ENV_PIPELINE,
     "the CI system's name ('woodpecker': Woodpecker)"},
    {"DRONE", CONFIG_ENV_PIPELINE, "the CI system's marker"},
    {"OTEL_", CONFIG_ENV_PIPELINE, "the pipeline's OpenTelemetry settings"},
    {"TRACEPARENT", CONFIG_ENV_READ, "the trace context"},
    {"DAGGER_CLOUD_TOKEN", CONFIG_ENV_PIPELINE, "Dagger Cloud"},
    {"_EXPERIMENTAL_DAGGER_RUNNER_HOST", CONFIG_ENV_PIPELINE | CONFIG_ENV_RUN, "the Dagger engine"},
    /* a parameter could not grant anything by it, but it changes what fails: pin it in the policy */
    {"MAINLINE_IGNORE_SETTINGS", CONFIG_ENV_READ | CONFIG_ENV_RUN, "the settings mainline ignores"},
    {"MAINLINE_", CONFIG_ENV_READ,
     "mainline's installation (MAINLINE_POLICY_FILE, MAINLINE_VERIFY_WORKERS)"},
    {"DOCKER_", CONFIG_ENV_READ | CONFIG_ENV_RUN, "the Docker engine and registry"},
    {"HOME", CONFIG_ENV_READ, "file locations"},
    {"TMPDIR", CONFIG_ENV_READ, "file locations"},
    {"XDG_CACHE_HOME", CONFIG_ENV_READ, "file locations"},
    {"http_proxy", PROXY_USE, "the proxies (common/proxy.h)"},
    {"HTTP_PROXY", PROXY_USE, "the proxies (common/proxy.h)"},
    {"https_proxy", PROXY_USE, "the proxies (common/proxy.h)"},
    {"HTTPS_PROXY", PROXY_USE, "the proxies (common/proxy.h)"},
    {"all_proxy", PROXY_USE, "the proxies (common/proxy.h)"},
    {"ALL_PROXY", PROXY_USE, "the proxies (common/proxy.h)"},
    {"no_proxy", PROXY_USE, "the proxies (common/proxy.h)"},
    {"NO_PROXY", PROXY_USE, "the proxies (common/proxy.h)"},
    {"SSL_CERT_FILE", CONFIG_ENV_READ | CONFIG_ENV_RUN, "TLS"},
    {"SSL_CERT_DIR", CONFIG_ENV_READ | CONFIG_ENV_RUN, "TLS"},
    {"SSLKEYLOGFILE", CONFIG_ENV_READ | CONFIG_ENV_RUN, "TLS"},
    {"OPENSSL_", CONFIG_ENV_READ | CONFIG_ENV_RUN, "OpenSSL"},
    {"LD_", CONFIG_ENV_READ | CONFIG_ENV_RUN, "the dynamic loader"},
    /* PGHOST, PGPASSWORD, PGSSLMODE, PGSERVICEFILE...: what the state_url leaves out */
    {"PG*", CONFIG_ENV_READ | CONFIG_ENV_RUN, "libpq (the shared state)"},
};

const char *config_env_lookup(char **envp, const char *name)
{
	size_t n = strlen(name);

	for (; *envp != NULL; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

static int env_name_matches(const char *pattern, const char *name)
{
	size_t n = strlen(pattern);

	if (pattern[n - 1] == '*')
		return strncasecmp(name, pattern, n - 1) == 0;
	if (pattern[n - 1] == '_')
		return strncasecmp(name, pattern, n) == 0;
	return strcasecmp(name, pattern) == 0;
}

unsigned config_env_use(const struct config *c, const char *name, const char **what)
{
	const struct strlist *names = c != NULL ? &c->env : NULL;
	unsigned use = 0;
	size_t i;

	if (what != NULL)
		*what = NULL;
	for (i = 0; i < sizeof(env_vars) / sizeof(env_vars[0]); i++) {
		if (env_name_matches(env_vars[i].name, name)) {
			use |= env_vars[i].use;
			if (what != NULL && *what == NULL)
				*what = env_vars[i].what;
		}
	}
	for (i = 0; names != NULL && i < names->n; i++) {
		if (strcasecmp(names->v[i], name) == 0) {
			use |= CONFIG_ENV_PIPELINE;
			if (what != NULL && *what == NULL)
				*what = "the pipeline (setting 'env')";
		}
	}
	return use;
}

const char *config_env_passthrough(size_t i)
{
	size_t k, n = 0;

	for (k = 0; k < sizeof(env_vars) / sizeof(env_vars[0]); k++) {
		const char *name = env_vars[k].name;

		if ((env_vars[k].use & CONFIG_ENV_PIPELINE) && name[strlen(name) - 1] != '_' &&
		    name[strlen(name) - 1] != '*' && n++ == i)
			return name;
	}
	return NULL;
}

static int read_plugin_var(struct config *c, const char *entry, uint64_t *seen)
{
	const char *eq = strchr(entry, '=');
	const char *name = entry + strlen("PLUGIN_");
	size_t len = (size_t)(eq - name), i;
	char lower[64];
	int k;

	if (len == 0 || len >= sizeof(lower))
		goto unknown;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)name[i];

		if (!(isupper(ch) || isdigit(ch) || ch == '_'))
			goto unknown;
		lower[i] = (char)tolower(ch);
	}
	lower[len] = '\0';
	if ((k = config_key_from_name(lower)) < 0)
		goto unknown;
	if (*seen & CONFIG_BIT(k))
		return ml_fail(ML_CONFIG, "setting '%s' appears twice", lower);
	*seen |= CONFIG_BIT(k);
	c->in_env |= CONFIG_BIT(k);
	if (eq[1] == '\0') {
		c->empty |= CONFIG_BIT(k);
		return 0;
	}
	return config_set(c, (enum config_key)k, eq + 1);
unknown:
	if (ignored_settings_match(&c->ignore_settings, name, len))
		return 0;
	return ml_fail(ML_CONFIG, "unknown setting '%.*s' (from %.*s)", (int)(len < 64 ? len : 64),
	               name, (int)((size_t)(eq - entry) < 80 ? eq - entry : 80), entry);
}

/* Remembers the first variable that decides the run, as the gate must know (gate.c). */
static void note_run_var(struct config *c, const char *entry)
{
	size_t n = (size_t)(strchr(entry, '=') - entry);
	char name[sizeof(c->run_var)];

	if (c->run_var[0] != '\0' || n == 0)
		return;
	if (n >= sizeof(name))
		n = sizeof(name) - 1; /* a family still matches the cut name */
	memcpy(name, entry, n);
	name[n] = '\0';
	if (config_env_use(NULL, name, NULL) & CONFIG_ENV_RUN)
		memcpy(c->run_var, name, n + 1);
}

int config_from_env(struct config *out, char **envp)
{
	uint64_t seen_plugin = 0;
	uint32_t seen_drone = 0;
	const char *ignore;
	char **all = envp;
	int r, refused = 0, woodpecker = woodpecker_detected(envp);

	if (envp == NULL)
		return 0;
	if ((ignore = config_env_lookup(envp, "MAINLINE_IGNORE_SETTINGS")) != NULL &&
	    *ignore != '\0' &&
	    (r = ignored_settings_add_list(&out->ignore_settings, ignore,
	                                   "MAINLINE_IGNORE_SETTINGS")) != 0)
		return r;
	for (; *envp != NULL; envp++) {
		const char *entry = *envp;

		if (strchr(entry, '=') == NULL)
			continue;
		note_run_var(out, entry);
		if (strncmp(entry, "PLUGIN_", 7) == 0) {
			if ((r = read_plugin_var(out, entry, &seen_plugin)) != 0)
				return r;
			continue;
		}
		/*
		 * A refused context value fails the run, but the rest is still read
		 * (the first refusal's message stays): the record and its card come
		 * from them.
		 */
		if (strncmp(entry, "DRONE_", 6) == 0 && !woodpecker &&
		    (r = drone_context_read(&out->drone, entry, &seen_drone)) != 0 && refused == 0)
			refused = r;
	}
	/* Woodpecker's context is its CI_* variables; its DRONE_* copy is only compared */
	if (woodpecker)
		return woodpecker_context_read(&out->drone, all);
	return refused;
}
