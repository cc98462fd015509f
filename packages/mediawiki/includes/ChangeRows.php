<?php

namespace MediaWiki\Extension\Wikicast;

use MediaWiki\Linker\LinkTarget;
use MediaWiki\Page\PageReference;
use MediaWiki\Revision\RevisionLookup;
use MediaWiki\Revision\RevisionRecord;
use MediaWiki\User\TempUser\TempUserConfig;
use MediaWiki\User\UserIdentity;
use MediaWiki\User\UserNameUtils;
use RecentChange;
use Title;

/**
 * Turns MediaWiki's objects (recent changes, saved revisions, deletions, moves) into the plain
 * rows ChangeMessage builds messages from. Only public facts are read: never rc_ip.
 */
class ChangeRows {
	/** @var RevisionLookup */
	private $revisions;
	/** @var TempUserConfig */
	private $tempUsers;
	/** @var UserNameUtils */
	private $userNames;
	/** @var array<string,mixed> */
	private $site;
	/** @var bool */
	private $useRcPatrol;

	/**
	 * @param RevisionLookup $revisions
	 * @param TempUserConfig $tempUsers
	 * @param UserNameUtils $userNames
	 * @param array<string,mixed> $site see ChangeMessage
	 * @param bool $useRcPatrol
	 */
	public function __construct(
		RevisionLookup $revisions,
		TempUserConfig $tempUsers,
		UserNameUtils $userNames,
		array $site,
		bool $useRcPatrol
	) {
		$this->revisions = $revisions;
		$this->tempUsers = $tempUsers;
		$this->userNames = $userNames;
		$this->site = $site;
		$this->useRcPatrol = $useRcPatrol;
	}

	/** @return array<string,mixed> */
	public function getSite(): array {
		return $this->site;
	}

	/**
	 * @param RecentChange $rc
	 * @return array<string,mixed>
	 */
	public function fromRecentChange( RecentChange $rc ): array {
		$rcType = (int)$rc->getAttribute( 'rc_type' );
		$type = RecentChange::parseFromRCType( $rcType );
		$comment = $rc->getAttribute( 'rc_comment' );
		$row = [
			'type' => is_string( $type ) ? $type : 'external',
			'rc_id' => (int)$rc->getAttribute( 'rc_id' ) ?: null,
			'page_id' => (int)$rc->getAttribute( 'rc_cur_id' ) ?: null,
			'comment' => is_object( $comment ) && isset( $comment->text ) ? $comment->text : (string)$comment,
			'timestamp' => (int)wfTimestamp( TS_UNIX, $rc->getAttribute( 'rc_timestamp' ) ),
			'bot' => (bool)$rc->getAttribute( 'rc_bot' ),
			'minor' => (bool)$rc->getAttribute( 'rc_minor' ),
			'patrolled' => $this->useRcPatrol ? (bool)$rc->getAttribute( 'rc_patrolled' ) : null,
			'length_old' => self::intOrNull( $rc->getAttribute( 'rc_old_len' ) ),
			'length_new' => self::intOrNull( $rc->getAttribute( 'rc_new_len' ) ),
			'revision_old' => self::intOrNull( $rc->getAttribute( 'rc_last_oldid' ) ),
			'revision_new' => self::intOrNull( $rc->getAttribute( 'rc_this_oldid' ) ),
			'deleted' => (int)$rc->getAttribute( 'rc_deleted' ),
		] + $this->titleFields( $rc->getTitle() ) + $this->userFields( $rc->getPerformerIdentity() );
		if ( $rcType === RC_LOG ) {
			$params = $rc->getAttribute( 'rc_params' ) ? $rc->parseParams() : [];
			$row += [
				'log_id' => (int)$rc->getAttribute( 'rc_logid' ) ?: null,
				'log_type' => $rc->getAttribute( 'rc_log_type' ),
				'log_action' => $rc->getAttribute( 'rc_log_action' ),
				'log_params' => is_array( $params ) ? $params : [],
			];
		}
		return $row;
	}

	/**
	 * A saved revision (PageSaveComplete), for the page's own topic.
	 *
	 * @param RevisionRecord $revision
	 * @param UserIdentity $user
	 * @param bool $isNew
	 * @param bool $bot
	 * @return array<string,mixed>
	 */
	public function fromRevision( RevisionRecord $revision, UserIdentity $user, bool $isNew, bool $bot ): array {
		$parentId = $revision->getParentId() ?: null;
		$parent = $parentId !== null ? $this->revisions->getRevisionById( $parentId ) : null;
		$comment = $revision->getComment( RevisionRecord::RAW );
		return [
			'type' => $isNew ? 'new' : 'edit',
			'page_id' => $revision->getPageId() ?: null,
			'comment' => $comment ? $comment->text : '',
			'timestamp' => (int)wfTimestamp( TS_UNIX, $revision->getTimestamp() ),
			'bot' => $bot,
			'minor' => $revision->isMinor(),
			'length_old' => $parent ? $parent->getSize() : null,
			'length_new' => $revision->getSize(),
			'revision_old' => $parentId,
			'revision_new' => $revision->getId(),
			'deleted' => $revision->getVisibility(),
		] + $this->titleFields( Title::castFromPageIdentity( $revision->getPage() ) )
			+ $this->userFields( $user );
	}

	/**
	 * A page action that is not an edit (delete, undelete, move), for the page's own topic.
	 *
	 * @param string $type
	 * @param LinkTarget|PageReference $title
	 * @param int $pageId
	 * @param UserIdentity|null $user
	 * @param string $comment
	 * @param int $deleted the log entry's deletion bits
	 * @return array<string,mixed>
	 */
	public function forPageAction( string $type, $title, int $pageId, ?UserIdentity $user, string $comment, int $deleted = 0 ): array {
		$target = $title instanceof LinkTarget ? Title::newFromLinkTarget( $title ) : Title::castFromPageReference( $title );
		return [
			'type' => $type,
			'page_id' => $pageId ?: null,
			'comment' => $comment,
			'timestamp' => time(),
			'deleted' => $deleted,
		] + $this->titleFields( $target ) + ( $user ? $this->userFields( $user ) : [] );
	}

	/**
	 * @param Title|null $title
	 * @return array<string,mixed>
	 */
	private function titleFields( ?Title $title ): array {
		return $title ? [ 'namespace' => $title->getNamespace(), 'title' => $title->getPrefixedText() ] : [];
	}

	/**
	 * @param UserIdentity $user
	 * @return array<string,mixed>
	 */
	private function userFields( UserIdentity $user ): array {
		$name = $user->getName();
		return [
			'user' => $name,
			'user_is_anon' => !$user->isRegistered() && $this->userNames->isIP( $name ),
			'user_is_temp' => $this->tempUsers->isEnabled() && $this->tempUsers->isReservedName( $name ),
		];
	}

	/**
	 * @param mixed $value
	 * @return int|null
	 */
	private static function intOrNull( $value ): ?int {
		return $value === null || $value === '' ? null : (int)$value;
	}
}
