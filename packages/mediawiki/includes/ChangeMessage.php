<?php

namespace MediaWiki\Extension\Wikicast;

/**
 * Builds the `msg` of change events, modelled on Wikimedia's `mediawiki/recentchange` schema
 * (and MediaWiki's own MachineReadableRCFeedFormatter), from a plain row, and removes what the
 * public must not see. No MediaWiki dependency: ChangeRows turns MediaWiki objects into rows.
 *
 * A row has these keys (absent = unknown):
 * - type: edit | new | log | categorize | external
 * - rc_id, namespace, title, page_id, comment, timestamp (Unix seconds)
 * - user, user_is_anon (an IP edit), user_is_temp, bot, minor, patrolled (bool or null)
 * - length_old, length_new, revision_old, revision_new
 * - log_id, log_type, log_action, log_params (array)
 * - deleted: the rc_deleted / log_deleted bits at the time of the change
 *
 * Site facts: wiki, server_url, server_name, server_script_path, and hide_ip_users (true when
 * temporary accounts are on, so MediaWiki no longer shows IP addresses to the public).
 */
class ChangeMessage {
	/** RevisionRecord::DELETED_TEXT, and LogPage::DELETED_ACTION for log entries. */
	public const DELETED_TEXT = 1;
	public const DELETED_COMMENT = 2;
	public const DELETED_USER = 4;
	public const DELETED_RESTRICTED = 8;

	/**
	 * @param array<string,mixed> $row
	 * @param array<string,mixed> $site
	 * @return array<string,mixed>
	 */
	public static function build( array $row, array $site ): array {
		$deleted = (int)( $row['deleted'] ?? 0 );
		$type = (string)( $row['type'] ?? 'edit' );
		$isLog = $type === 'log';
		$msg = [
			'id' => $row['rc_id'] ?? null,
			'type' => $type,
			'namespace' => $row['namespace'] ?? null,
			'title' => $row['title'] ?? null,
			'page_id' => $row['page_id'] ?? null,
			'comment' => $row['comment'] ?? '',
			'timestamp' => $row['timestamp'] ?? null,
			'user' => $row['user'] ?? null,
			'bot' => (bool)( $row['bot'] ?? false ),
		];
		if ( !empty( $row['user_is_temp'] ) ) {
			$msg['user_is_temp'] = true;
		}
		if ( $type === 'edit' || $type === 'new' ) {
			$msg['minor'] = (bool)( $row['minor'] ?? false );
			if ( isset( $row['patrolled'] ) ) {
				$msg['patrolled'] = (bool)$row['patrolled'];
			}
			$msg['length'] = [
				'old' => $type === 'new' ? null : ( $row['length_old'] ?? null ),
				'new' => $row['length_new'] ?? null,
			];
			$msg['revision'] = [
				'old' => $type === 'new' ? null : ( $row['revision_old'] ?? null ),
				'new' => $row['revision_new'] ?? null,
			];
		}
		if ( $isLog ) {
			$msg['log_id'] = $row['log_id'] ?? null;
			$msg['log_type'] = $row['log_type'] ?? null;
			$msg['log_action'] = $row['log_action'] ?? null;
			$msg['log_params'] = self::logParams( $row['log_params'] ?? [] );
		}

		// What revision deletion or suppression hides at the time of the change stays hidden.
		if ( $deleted & self::DELETED_TEXT ) {
			if ( $isLog ) {
				// LogPage::DELETED_ACTION hides the target and the details of the action.
				unset( $msg['log_params'] );
				$msg['title'] = null;
				$msg['namespace'] = null;
				$msg['page_id'] = null;
			} else {
				unset( $msg['length'] );
			}
			$msg['texthidden'] = true;
		}
		if ( $deleted & self::DELETED_COMMENT ) {
			$msg['comment'] = '';
			$msg['commenthidden'] = true;
		}
		if ( $deleted & self::DELETED_USER ) {
			$msg['user'] = null;
			$msg['userhidden'] = true;
		} elseif ( !empty( $row['user_is_anon'] ) && !empty( $site['hide_ip_users'] ) ) {
			// With temporary accounts MediaWiki stops showing editors' IP addresses publicly.
			$msg['user'] = null;
			$msg['userhidden'] = true;
		}

		$msg['server_url'] = $site['server_url'] ?? null;
		$msg['server_name'] = $site['server_name'] ?? null;
		$msg['server_script_path'] = $site['server_script_path'] ?? '/';
		$msg['wiki'] = $site['wiki'] ?? null;
		return $msg;
	}

	/**
	 * Log parameters as the API shows them: `4::target` becomes `target`.
	 *
	 * @param mixed $params
	 * @return array<string,mixed>|array<int,string>
	 */
	public static function logParams( $params ): array {
		if ( !is_array( $params ) ) {
			return [];
		}
		$out = [];
		foreach ( $params as $key => $value ) {
			if ( is_string( $key ) && strpos( $key, ':' ) !== false ) {
				$parts = explode( ':', $key, 3 );
				$key = $parts[2] ?? $parts[count( $parts ) - 1];
			}
			$out[$key] = $value;
		}
		return $out;
	}
}
