<?php

namespace MediaWiki\Extension\Wikicast\Hooks;

use MediaWiki\Extension\Wikicast\AudienceResolver;
use MediaWiki\Extension\Wikicast\ChangeMessage;
use MediaWiki\Extension\Wikicast\ChangeRows;
use MediaWiki\Extension\Wikicast\Sender;
use MediaWiki\Extension\Wikicast\Watch\WatcherNotices;
use MediaWiki\Hook\PageMoveCompleteHook;
use MediaWiki\Hook\RecentChange_saveHook;
use MediaWiki\Page\Hook\ArticleUndeleteHook;
use MediaWiki\Page\Hook\PageDeleteCompleteHook;
use MediaWiki\Storage\Hook\PageSaveCompleteHook;
use RequestContext;
use Title;

/**
 * Wiki changes become events:
 * - every recent-changes entry (edits, new pages, log actions such as delete, move, upload,
 *   block, protect) on `<wiki>:recentchange`;
 * - edits, deletions, undeletions and moves of a page on `<wiki>:page:<pageId>`, which the
 *   browser module watches to tell readers that the page they are looking at changed;
 * - an edit, to each user who watches the page, on their own `<wiki>:user:<name>` (WatcherNotices).
 *
 * @phpcs:disable MediaWiki.NamingConventions.LowerCamelFunctionsName.FunctionName
 */
class ChangeHooks implements
	RecentChange_saveHook,
	PageSaveCompleteHook,
	PageDeleteCompleteHook,
	ArticleUndeleteHook,
	PageMoveCompleteHook
{
	/** @var Sender */
	private $sender;
	/** @var ChangeRows */
	private $rows;
	/** @var AudienceResolver */
	private $audience;
	/** @var WatcherNotices */
	private $watchers;

	public function __construct( Sender $sender, ChangeRows $rows, AudienceResolver $audience, WatcherNotices $watchers ) {
		$this->sender = $sender;
		$this->rows = $rows;
		$this->audience = $audience;
		$this->watchers = $watchers;
	}

	/** @inheritDoc */
	public function onRecentChange_save( $recentChange ) {
		$revisionId = (int)$recentChange->getAttribute( 'rc_this_oldid' );
		if ( $revisionId > 0 && in_array( (int)$recentChange->getAttribute( 'rc_type' ), [ RC_EDIT, RC_NEW ], true ) ) {
			// The page event of this edit comes in PageSaveComplete: one POST for both.
			$this->sender->expectPageSave( $revisionId );
		}
		$row = $this->rows->fromRecentChange( $recentChange );
		$this->publish( 'recentchange', $row, Title::castFromPageReference( $recentChange->getPage() ), null );
	}

	/** @inheritDoc */
	public function onPageSaveComplete( $wikiPage, $user, $summary, $flags, $revisionRecord, $editResult ) {
		try {
			$this->publishSave( $wikiPage, $user, $flags, $revisionRecord, $editResult );
		} finally {
			// After this edit's events are queued: the hold onRecentChange_save placed is over.
			$this->sender->pageSaved( $revisionRecord->getId() );
		}
	}

	/**
	 * @param \WikiPage $wikiPage
	 * @param \MediaWiki\User\UserIdentity $user
	 * @param int $flags
	 * @param \MediaWiki\Revision\RevisionRecord $revisionRecord
	 * @param \MediaWiki\Storage\EditResult $editResult
	 */
	private function publishSave( $wikiPage, $user, $flags, $revisionRecord, $editResult ): void {
		if ( $editResult->isNullEdit() || !$wikiPage->getId() ) {
			return;
		}
		$row = $this->rows->fromRevision( $revisionRecord, $user, (bool)( $flags & EDIT_NEW ), (bool)( $flags & EDIT_FORCE_BOT ) );
		$title = $wikiPage->getTitle();
		$msg = $this->publish( 'page:' . $wikiPage->getId(), $row, $title, $this->currentClient() );

		// Someone wrote on a user's talk page: tell that user alone (the "new messages" notice).
		$owner = $title->getNamespace() === NS_USER_TALK && !$title->isSubpage() ? $title->getText() : null;
		if ( $owner !== null && $owner !== $user->getName() ) {
			$this->publish( 'user:' . $owner, $row, $title, null, [ 'users' => [ $owner ] ], 'talk' );
		}
		// A suppressed edit is for those with suppressrevision alone, not for every watcher.
		if ( !( (int)$row['deleted'] & ChangeMessage::DELETED_RESTRICTED ) ) {
			$this->watchers->schedule( $title, $user->getId(), $owner, $msg );
		}
	}

	/** @inheritDoc */
	public function onPageDeleteComplete( $page, $deleter, $reason, $pageID, $deletedRev, $logEntry, $archivedRevisionCount ) {
		$row = $this->rows->forPageAction( 'delete', $page, $pageID, $deleter->getUser(), $reason, $logEntry->getDeleted() );
		$row['log_type'] = $logEntry->getType();
		$this->publish( 'page:' . $pageID, $row, Title::castFromPageReference( $page ), $this->currentClient() );
	}

	/** @inheritDoc */
	public function onArticleUndelete( $title, $create, $comment, $oldPageId, $restoredPages ) {
		// The Title may still hold the id of before the restore.
		$pageId = $title->getArticleID( Title::READ_LATEST );
		$user = RequestContext::getMain()->getUser();
		$row = $this->rows->forPageAction( 'undelete', $title, $pageId, $user, (string)$comment );
		$this->publish( 'page:' . $pageId, $row, $title, $this->currentClient() );
	}

	/**
	 * MediaWiki 1.40+ (PageUndeleteCompleteHook; ArticleUndelete, which 1.39 has, is deprecated
	 * there and skipped for handlers that acknowledge it, as extension.json does). Declared
	 * without the interface, which 1.39 does not have.
	 *
	 * @param \MediaWiki\Page\ProperPageIdentity $page
	 * @param \MediaWiki\Permissions\Authority $restorer
	 * @param string $reason
	 * @param \MediaWiki\Revision\RevisionRecord $restoredRev
	 * @param \ManualLogEntry $logEntry
	 * @param int $restoredRevisionCount
	 * @param bool $created
	 * @param array $restoredPageIds
	 */
	public function onPageUndeleteComplete(
		$page, $restorer, $reason, $restoredRev, $logEntry, $restoredRevisionCount, $created, $restoredPageIds
	): void {
		$pageId = $restoredRev->getPageId();
		$row = $this->rows->forPageAction( 'undelete', $page, $pageId, $restorer->getUser(), (string)$reason, $logEntry->getDeleted() );
		$this->publish( 'page:' . $pageId, $row, Title::castFromPageReference( $page ), $this->currentClient() );
	}

	/** @inheritDoc */
	public function onPageMoveComplete( $old, $new, $user, $pageid, $redirid, $reason, $revision ) {
		$row = $this->rows->forPageAction( 'move', $new, $pageid, $user, (string)$reason );
		$row['old_title'] = Title::newFromLinkTarget( $old )->getPrefixedText();
		$row['redirect_page_id'] = $redirid ?: null;
		$this->publish( 'page:' . $pageid, $row, Title::newFromLinkTarget( $new ), $this->currentClient() );
	}

	/**
	 * @param string $topicName
	 * @param array<string,mixed> $row
	 * @param Title|null $title
	 * @param string|null $from
	 * @param array|null $audience who may see it; null: as the page's readers
	 * @param string|null $eventType default: the change's type (edit, new, log, …)
	 * @return array<string,mixed> the event's msg
	 */
	private function publish(
		string $topicName,
		array $row,
		?Title $title,
		?string $from,
		?array $audience = null,
		?string $eventType = null
	): array {
		$msg = ChangeMessage::build( $row, $this->rows->getSite() );
		foreach ( [ 'old_title', 'redirect_page_id' ] as $extra ) {
			if ( array_key_exists( $extra, $row ) ) {
				$msg[$extra] = $row[$extra];
			}
		}
		$logType = isset( $row['log_type'] ) ? (string)$row['log_type'] : null;
		$audience = $audience ?? $this->audience->resolve( $title, (int)( $row['deleted'] ?? 0 ), $logType );
		$events = $this->sender->getEventFactory();
		$this->sender->publish( $events->event( $events->topic( $topicName ), $eventType ?? (string)$msg['type'], $msg, [
			'from' => $from,
			'audience' => $audience,
		] ) );
		return $msg;
	}

	/** The editing browser's client id, so its own page can ignore its own edit. */
	private function currentClient(): ?string {
		return $this->sender->currentClientId();
	}
}
