/**
 * The data plane's set-up as a systemd unit, as a NixOS guest's network-setup.service: `n3x-network.service`
 * (oneshot, stays active) orders itself before network.target and network-online.target and pulls both in, so
 * `waitForUnit('network.target')` and units ordered after network-online.target see the links and addresses up.
 * A transient unit (systemd-run): no unit file in the image, no daemon-reload; it is made anew on every boot.
 */

/** Name of the guest unit that runs the network script. */
export const NETWORK_UNIT = 'n3x-network.service';
/** Where the script is written in the guest (/run: gone at the next boot, which writes it again). */
export const NETWORK_SCRIPT = '/run/n3x/network.sh';

/**
 * The guest command that writes `script` and runs it as NETWORK_UNIT; it returns once the script has run (the
 * targets follow as the boot allows: network-online.target may wait for units of the boot ordered before it). On
 * failure it prints the unit's journal to stderr and exits non-zero.
 */
export function networkUnitCommand(script: string): string {
  if (script.split('\n').includes('END_OF_NETWORK_SCRIPT')) throw new Error('network script contains its own heredoc delimiter');
  const props = [
    'Type=oneshot',
    'RemainAfterExit=yes',
    'DefaultDependencies=no',
    'Wants=network.target', // one unit per assignment: the values are single shell words
    'Wants=network-online.target',
    'Before=network.target',
    'Before=network-online.target',
  ];
  return [
    'mkdir -p /run/n3x',
    `cat > ${NETWORK_SCRIPT} <<'END_OF_NETWORK_SCRIPT'`,
    script,
    'END_OF_NETWORK_SCRIPT',
    `systemd-run --quiet --unit=${NETWORK_UNIT} --description='n3x data plane: links, VLANs, bonds, addresses, /etc/hosts' ${props.map((p) => `--property=${p}`).join(' ')} bash ${NETWORK_SCRIPT} ||`, // systemd-run finds bash on the backdoor's PATH (NixOS has no /bin/bash)
    `  { journalctl -u ${NETWORK_UNIT} -o cat --no-pager -n 30 >&2; exit 1; }`,
  ].join('\n');
}
