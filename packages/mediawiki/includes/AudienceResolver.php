<?php

namespace MediaWiki\Extension\Wikicast;

use MediaWiki\HookContainer\HookContainer;
use MediaWiki\Permissions\GroupPermissionsLookup;
use MediaWiki\Permissions\PermissionManager;
use MediaWiki\User\UserFactory;
use Title;

/**
 * Decides who may see an event (its `audience`; absent: everyone who may read the wiki).
 *
 * - A restricted log ($wgLogRestrictions, e.g. the suppression log): the groups with its right.
 * - Suppressed content (DELETED_RESTRICTED): the groups with `suppressrevision`.
 * - A page an anonymous reader may not read: the groups with `read`. Extensions that restrict
 *   reading per page (Lockdown and similar) can narrow this in the `WikicastEventAudience` hook.
 */
class AudienceResolver {
	/** @var PermissionManager */
	private $permissions;
	/** @var GroupPermissionsLookup */
	private $groupPermissions;
	/** @var UserFactory */
	private $users;
	/** @var HookContainer */
	private $hooks;
	/** @var array<string,string> */
	private $logRestrictions;

	/**
	 * @param PermissionManager $permissions
	 * @param GroupPermissionsLookup $groupPermissions
	 * @param UserFactory $users
	 * @param HookContainer $hooks
	 * @param array<string,string> $logRestrictions $wgLogRestrictions
	 */
	public function __construct(
		PermissionManager $permissions,
		GroupPermissionsLookup $groupPermissions,
		UserFactory $users,
		HookContainer $hooks,
		array $logRestrictions
	) {
		$this->permissions = $permissions;
		$this->groupPermissions = $groupPermissions;
		$this->users = $users;
		$this->hooks = $hooks;
		$this->logRestrictions = $logRestrictions;
	}

	/**
	 * @param Title|null $title the page the event is about
	 * @param int $deleted revision or log deletion bits
	 * @param string|null $logType for log entries
	 * @return array{groups?:string[],users?:string[]}|null null: public
	 */
	public function resolve( ?Title $title, int $deleted = 0, ?string $logType = null ): ?array {
		$audience = null;
		if ( $logType !== null && isset( $this->logRestrictions[$logType] ) ) {
			$audience = [ 'groups' => $this->groupsWith( $this->logRestrictions[$logType] ) ];
		} elseif ( $deleted & ChangeMessage::DELETED_RESTRICTED ) {
			$audience = [ 'groups' => $this->groupsWith( 'suppressrevision' ) ];
		} elseif ( $title !== null && !$this->anonymousMayRead( $title ) ) {
			$audience = [ 'groups' => $this->groupsWith( 'read' ) ];
		}
		$this->hooks->run( 'WikicastEventAudience', [ $title, &$audience ] );
		return $audience;
	}

	private function anonymousMayRead( Title $title ): bool {
		return $this->permissions->userCan( 'read', $this->users->newAnonymous(), $title, PermissionManager::RIGOR_QUICK );
	}

	/**
	 * Groups that hold a right, without `*` (which would mean everyone). A right that no group
	 * holds falls back to `sysop`, so an event is never widened to everybody by accident.
	 *
	 * @param string $right
	 * @return string[]
	 */
	private function groupsWith( string $right ): array {
		$groups = array_values( array_diff( $this->groupPermissions->getGroupsWithPermission( $right ), [ '*' ] ) );
		return $groups !== [] ? $groups : [ 'sysop' ];
	}
}
