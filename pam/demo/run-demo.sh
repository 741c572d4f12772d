#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# pam/demo/run-demo.sh — the demo's login through the real PAM stack, from an
# existing build: a throwaway store in a temp dir, a demo key assigned to
# jdupont in new-PIN mode, then okey-demo-login (libpam through pam_wrapper,
# pam_okey.so named by absolute path in its own service file) twice: new-PIN
# mode first, then a normal login. scripts/demo builds and calls this; the
# pam suite runs it with --auto.
#   pam/demo/run-demo.sh BUILD-DIR [--auto]
set -euo pipefail
# pam_okey.so trusts only files owned by root: as another user, run in a user
# namespace where we are root, so the throwaway store is "root's".
if [ "$(id -u)" -ne 0 ]; then
  exec unshare --map-root-user -- "$0" "$@"
fi
build=$(cd "${1:?usage: run-demo.sh BUILD-DIR [--auto]}" && pwd)
shift
auto=()
[ "${1:-}" = "--auto" ] && auto=(--auto)

# OKEY_DEMO_MODULE: the module a package build's tests load (pam/module.cmake).
module=${OKEY_DEMO_MODULE:-$build/pam/pam_okey.so}
login_program=$build/pam/okey-demo-login
fixture=$build/tests/pam/okey-test-fixture
for f in "$module" "$login_program" "$fixture"; do
  [ -x "$f" ] || [ -f "$f" ] || { echo "run-demo: $f is missing (build first)" >&2; exit 2; }
done

work=$(mktemp -d /tmp/okey-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM HUP  # so that the EXIT trap cleans up
umask 077
login=jdupont
pin=3691

"$fixture" init "$work"
"$fixture" newpin "$work" "$login" >"$work/demo-key.secret"
mkdir "$work/services"
cat >"$work/services/okey-demo" <<PAM
auth     required $module config=$work/okey.conf
account  required /lib/x86_64-linux-gnu/security/pam_permit.so
PAM
printf '%s required /lib/x86_64-linux-gnu/security/pam_deny.so\n' auth account password session \
  >"$work/services/other"
chmod 0644 "$work/okey.conf" "$work/services/"*

run_login() {
  env LD_PRELOAD="${OKEY_DEMO_PRELOAD:-/usr/lib/x86_64-linux-gnu/libpam_wrapper.so}" \
      PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$work/services" \
    "$login_program" --service okey-demo --login "$login" \
      --secret-file "$work/demo-key.secret" --pin "$pin" "${auto[@]}"
}

cat <<TEXT

=== Démonstration okey : connexion de $login avec sa clé OTP
Une clé de démonstration vient d'être attribuée à $login (magasin jetable dans $work).
Son écran est affiché avant chaque question. Première connexion : mode nouveau PIN.
Choisissez un code PIN de 4 à 6 chiffres$([ ${#auto[@]} -gt 0 ] && echo " (le robot choisit $pin)").

TEXT
run_login
echo
echo "=== Connexion normale : passcode = code PIN suivi des 6 chiffres de la clé"
echo
run_login
echo
echo "=== Démonstration réussie : $login s'est connecté deux fois par la pile PAM réelle."
