#!/bin/sh
# bash completion (config/bash-completion/sysctr), driven as bash drives
# it: COMP_WORDS and COMP_CWORD set, the function called, COMPREPLY read.
# Commands, each command's options, container names, and container.conf's
# keys after config get/set NAME; and the zsh file that loads it.
. "${SYSCTR_SRCDIR}/tests/integration/lib.sh"
command -v bash >/dev/null || skip_all "no bash"

c="${PFX}-cp"
check "create $c" sysctr create busybox "$c"
bin="$TROOT/bin"
mkdir -p "$bin"
ln -s "$SYSCTR" "$bin/sysctr"

# complete WORD...: what completing the last word offers, sorted, one line
complete_words() {
	PATH="$bin:$PATH" bash -c '
		. "$1/config/bash-completion/sysctr"
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		__sysctr_complete
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "
	' sh "$SYSCTR_SRCDIR" "$@"
}

check_has "commands" "start " complete_words sysctr --root "$TROOT" sta
check_has "a mistyped prefix offers nothing wrong" "" complete_words sysctr --root "$TROOT" zzz
check_has "container names" "$c " complete_words sysctr --root "$TROOT" start "${PFX}-c"
check_has "start's own options" "--all --format --timeout --wait" complete_words sysctr --root "$TROOT" start --
check_has "exec's own options" "--cwd --env --format --user" complete_words sysctr --root "$TROOT" exec --
check_has "history's" "--action --format --limit --since" complete_words sysctr --root "$TROOT" history --
check_has "config's subcommands" "edit get set show" complete_words sysctr --root "$TROOT" config ""
check_has "config get NAME: the keys" "resources.memory " complete_words sysctr --root "$TROOT" config get "$c" resources.m
check_has "with every section's" "autostart.order" complete_words sysctr --root "$TROOT" config get "$c" ""
check_has "config set NAME: KEY=" "resources.memory=" complete_words sysctr --root "$TROOT" config set "$c" resources.mem
check_has "after KEY= the value is free" "" complete_words sysctr --root "$TROOT" config set "$c" resources.memory = ""
check_has "images' subcommands" "list prune rm" complete_words sysctr --root "$TROOT" images ""
check_has "templates after create" "busybox" complete_words sysctr --root "$TROOT" create ""
out=$(complete_words sysctr --root "$TROOT" config get "$c" network.)
case $out in *"resources."*) not_ok "only the keys that match: $out" ;; *network.mode*) ok "only the keys that match" ;; *) not_ok "no network keys: $out" ;; esac

# zsh: the same source through bashcompinit
zsh_file="$SYSCTR_BUILDDIR/config/zsh-completion/_sysctr"
check "make built the zsh completion" test -s "$zsh_file"
check_has "it loads the bash completion" "bash-completion/completions/sysctr" cat "$zsh_file"
# zsh_words WORD...: what zsh offers for the last word, through the real
# path (the _sysctr file, bashcompinit's _bash_complete and compgen, our
# function); compadd, which only works inside a completion widget, is
# replaced by one that prints the matches of PREFIX as zsh would offer them.
# The file's installed path of the bash completion becomes the source's.
zsh_words() {
	# shellcheck disable=SC2016 # expanded by zsh
	PATH="$bin:$PATH" zsh -f -c '
		zfile=$1; shift
		compadd() {
			while (( $# )) && [[ $1 != - ]]; do shift; done
			shift
			local m
			for m in "$@"; do [[ $m == "$PREFIX"* ]] && print -r -- "$m"; done
		}
		compdef() { :; }
		words=("$@"); CURRENT=$#; PREFIX=${words[CURRENT]}
		IPREFIX= QIPREFIX= SUFFIX= ISUFFIX=
		source "$zfile"
	' zsh "$TROOT/_sysctr" "$@" | sort | tr "\n" " "
}
zsh_checks() {
	check "zsh parses it" zsh -n "$zsh_file"
	sed "s|'[^']*/sysctr'|'$SYSCTR_SRCDIR/config/bash-completion/sysctr'|" "$zsh_file" >"$TROOT/_sysctr"
	check_has "zsh: commands" "start " zsh_words sysctr --root "$TROOT" sta
	check_has "zsh: container names" "$c " zsh_words sysctr --root "$TROOT" start "${PFX}-c"
	check_has "zsh: start's own options" "--all --format --timeout --wait" zsh_words sysctr --root "$TROOT" start --
	check_has "zsh: config get NAME: the keys" "resources.memory resources.memory_swap " zsh_words sysctr --root "$TROOT" config get "$c" resources.m
	check_has "zsh: --format's values" "json " zsh_words sysctr --root "$TROOT" --format j
	check_has "zsh: images prune" "prune " zsh_words sysctr --root "$TROOT" images p
}
if command -v zsh >/dev/null; then
	zsh_checks
elif [ "${SYSCTR_TESTS_MUST_RUN:-0}" = 1 ]; then
	not_ok "zsh is not installed (scripts/debian-packages.txt names it)"
else
	ok "# SKIP zsh is not installed: only the file's text is checked"
fi
check "destroy $c" sysctr destroy "$c"
done_testing
