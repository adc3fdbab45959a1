# bash completion for gdbstub-client and kernel-symbols (qemu-boot-debug).
# make install puts it in the bash-completion directory under both names;
# by hand: source scripts/completion/qemu-boot-debug.bash
#
# The subcommands and each one's options are read from the program's own
# --help (cached for the shell's life), so they follow the program.

# _qbd_words PROG [SUB]: the --options in PROG [SUB] --help, or for no SUB
# and gdbstub-client its subcommands too.
_qbd_words() {
	local key="${1}_${2:-}" out
	key=${key//[^A-Za-z0-9_]/_}
	if [ -z "${_qbd_cache[$key]+set}" ]; then
		out=$("$1" ${2:+"$2"} --help 2>/dev/null)
		_qbd_cache[$key]="$(
			# "usage: PROG SUB" and "       PROG SUB" lines name the subcommands
			[ -z "${2:-}" ] && printf '%s\n' "$out" |
				sed -n "s/^\(usage:\)\{0,1\} *${1##*/} \([a-z][a-z-]*\).*/\2/p"
			# indented "  NAME KERNEL ..." lines: kernel-symbols' commands
			[ -z "${2:-}" ] && printf '%s\n' "$out" |
				sed -n 's/^  \([a-z][a-z]*\) \{1,\}[A-Z[].*/\1/p'
			printf '%s\n' "$out" | grep -o -- '--[a-z][a-z-]*=\{0,1\}'
			printf '%s\n' "$out" | grep -o -- ' -ex\b\| -x\b\| -o\b' | sed 's/^ //'
		)"
	fi
	printf '%s\n' "${_qbd_cache[$key]}" | sort -u
}
declare -gA _qbd_cache 2>/dev/null || declare -A _qbd_cache

_qbd_complete() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local prog=${COMP_WORDS[0]} sub= i w
	COMPREPLY=()
	# the first word that is not an option is the subcommand
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in -*) ;; *) sub=$w; break ;; esac
	done
	case $prev in
	--kernel|--btf|-x|-o|--output|--folded|--initrd)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return ;;
	--format)
		if [ "${prog##*/}" = kernel-symbols ]; then w="map elf"; else w="text json svg trace folded"; fi
		mapfile -t COMPREPLY < <(compgen -W "$w" -- "$cur")
		return ;;
	--initcalls)
		mapfile -t COMPREPLY < <(compgen -W "klog breakpoints entries off" -- "$cur")
		return ;;
	--method)
		mapfile -t COMPREPLY < <(compgen -W "stop monitor" -- "$cur")
		return ;;
	--color)
		mapfile -t COMPREPLY < <(compgen -W "auto always never" -- "$cur")
		return ;;
	esac
	if [ -z "$sub" ]; then
		# gdbstub-client's options belong to its subcommands
		w=$(_qbd_words "$prog")
		[ "${prog##*/}" = kernel-symbols ] || w="$(grep -v -- '^-' <<<"$w") --help --version"
		mapfile -t COMPREPLY < <(compgen -W "$w" -- "$cur")
		return
	fi
	if [ "${prog##*/}" = kernel-symbols ]; then
		# kernel-symbols COMMAND KERNEL ...: a file after the command
		if [[ $cur == -* ]]; then
			mapfile -t COMPREPLY < <(compgen -W "$(_qbd_words "$prog" | grep -- '^-')" -- "$cur")
		else
			compopt -o filenames 2>/dev/null
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		fi
		return
	fi
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_qbd_words "$prog" "$sub" | grep -- '^-')" -- "$cur")
		# an option that takes its value after '=': no space yet
		[[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *= ]] && compopt -o nospace 2>/dev/null
	else
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
	fi
}
complete -F _qbd_complete gdbstub-client kernel-symbols
