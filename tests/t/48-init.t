#!/bin/sh
# The pipeline's init process against an engine that has no init binary: a
# dockerd of this test's own started with an --init-path that does not exist
# (its error at start is the one an engine without docker-init gives). The
# error says what is missing and how to fix it; `init: false` runs without.
. "$(dirname "$0")/lib.sh"
t_need git ssh-keygen
T_PD_ARGS=--init-path=/nonexistent/docker-init
t_private_dockerd
TOOL="$BUILD/tests/helpers/engine-tool"
export DOCKER_HOST="$pd_host"

t_exit "an engine without its init binary: the run fails" 2 "$TOOL" run "$T_IMAGE" --pull never \
	-- echo never
t_like "... saying the init binary is missing, and how to do without it" "$(t_out)" \
	"engine_error: cannot start container '[0-9a-f]{12}': the engine has no init binary for the pipeline's init process; install docker-init \\(dockerd\\) or catatonit \\(Podman\\).*or set init: false \\(.*docker-init"
t_is "... and leaves no container" "$(docker ps -aq | wc -l | tr -d ' ')" 0
t_exit "without an init process: runs" 0 "$TOOL" run "$T_IMAGE" --pull never --no-init -- echo ran
t_like "... and prints" "$(t_out)" "^ran$"

t_pipeline_repo
t_exit "plugin mode on that engine: the step fails" 2 t_plugin
t_like "... with the same advice" "$(t_out)" "engine_error: .*no init binary.*set init: false"
t_fails "... and the pipeline did not run" grep -q "pipeline ran" "$T_TMP/.out"
t_exit "init: false: the pipeline runs" 0 t_plugin PLUGIN_INIT=false
t_like "... and prints" "$(t_out)" "pipeline ran for build 42"
t_exit "init: something else is a configuration error" 2 t_plugin PLUGIN_INIT=no
t_done
