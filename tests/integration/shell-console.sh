#!/bin/sh
# shell and console, driven like a person would: through a terminal (tmux).
. "${SYSCTR_SRCDIR}/tests/integration/lib.sh"

c="${PFX}-tty"
# a tmux server of this test's own, ended with it
tsock="sysctr-test-$$"
TEST_CLEANUP_EXTRA="tmux -L $tsock kill-server 2>/dev/null"
tm() { tmux -L "$tsock" "$@"; }

check "create" sysctr create busybox "$c"
check "start" sysctr start "$c"

# shell without a terminal: a login shell reading commands from stdin
# shellcheck disable=SC2016 # expanded by the container's shell
out=$(printf 'echo "in $(hostname)"\nexit 3\n' | sysctr shell "$c")
rc=$?
check_eq "shell runs commands from stdin" "in $c" "$out"
check_eq "shell exit status is the shell's" 3 "$rc"

wait_screen() {
	# wait_screen TEXT: until the pane shows TEXT (10 s)
	i=0
	while [ $i -lt 50 ]; do
		tm capture-pane -p -t "$sess" | grep -q "$1" && return 0
		sleep 0.2
		i=$((i + 1))
	done
	tm capture-pane -p -t "$sess" | sed 's/^/# screen: /'
	return 1
}

# shell on a terminal
sess=shell
tm new-session -d -s "$sess" -x 120 -y 30 "$SYSCTR --root $TROOT shell $c; echo SHELL-EXIT-\$?; sleep 30"
check "an interactive shell shows its prompt" wait_screen "@$c"
# shellcheck disable=SC2016 # typed into the container's shell
tm send-keys -t "$sess" 'echo "tty: $(tty) in $(pwd)"' Enter
check "it has a terminal inside, in root's home" wait_screen "tty: /dev/pts/[0-9]* in /root"
tm send-keys -t "$sess" 'exit 4' Enter
check "leaving it returns its status" wait_screen "SHELL-EXIT-4"

# console: the container's console, left with Ctrl-a q
sess=console
tm new-session -d -s "$sess" -x 120 -y 30 "$SYSCTR --root $TROOT console $c; echo CONSOLE-EXIT-\$?; sleep 30"
sleep 0.5
tm send-keys -t "$sess" Enter
# shellcheck disable=SC2016 # typed into the container's console
tm send-keys -t "$sess" 'echo "on the console of $(hostname)"' Enter
check "the console answers" wait_screen "on the console of $c"
tm send-keys -t "$sess" C-a q
check "Ctrl-a q leaves the console" wait_screen "CONSOLE-EXIT-0"

# -e: another escape key (inside tmux or screen, Ctrl-a is theirs)
sess=console-e
tm new-session -d -s "$sess" -x 120 -y 30 "$SYSCTR --root $TROOT console -e ^b $c; echo ESC-EXIT-\$?; sleep 30"
sleep 0.5
tm send-keys -t "$sess" Enter
tm send-keys -t "$sess" 'echo "escape-b console"' Enter
check "console -e ^b answers" wait_screen "escape-b console"
tm send-keys -t "$sess" C-a q Enter
sleep 0.5
# shellcheck disable=SC2016 # typed into the container's console
tm send-keys -t "$sess" 'echo "still on it: $((40 + 2))"' Enter
check "Ctrl-a q does not leave it then" wait_screen "still on it: 42"
tm send-keys -t "$sess" C-b q
check "Ctrl-b q does" wait_screen "ESC-EXIT-0"
check_exit "-e with no letter: usage (2)" 2 sysctr console -e 1 "$c"
check_exit "-e with two letters: usage (2)" 2 sysctr console -e ab "$c"

check_exit "console without a terminal is refused (2)" 2 sysctr console "$c" </dev/null
check "destroy -f" sysctr destroy -f "$c"

done_testing
