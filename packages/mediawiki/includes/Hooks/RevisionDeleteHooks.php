<?php

namespace MediaWiki\Extension\Wikicast\Hooks;

use DeferredUpdates;
use MediaWiki\Extension\Wikicast\ChangeMessage;
use MediaWiki\Extension\Wikicast\Retraction\Retractor;
use MediaWiki\Extension\Wikicast\Settings;
use MediaWiki\Hook\ArticleRevisionVisibilitySetHook;

/**
 * Revision deletion and suppression hide a revision's content, summary or user after its events
 * went out: a retraction tells the edges to stop handing those fields out and the readers of the
 * page's topics to drop them (docs/mediawiki.md, "Retraction").
 *
 * Log entries hidden with revision deletion (Special:RevisionDelete on a log entry) have no hook
 * in MediaWiki 1.39: they are not retracted (documented).
 */
class RevisionDeleteHooks implements ArticleRevisionVisibilitySetHook {
	/** The bits a retraction is about; DELETED_RESTRICTED alone hides nothing more from the public. */
	private const VISIBLE_FIELDS = ChangeMessage::DELETED_TEXT | ChangeMessage::DELETED_COMMENT | ChangeMessage::DELETED_USER;

	/** @var Retractor */
	private $retractor;
	/** @var Settings */
	private $settings;

	public function __construct( Retractor $retractor, Settings $settings ) {
		$this->retractor = $retractor;
		$this->settings = $settings;
	}

	/** @inheritDoc */
	public function onArticleRevisionVisibilitySet( $title, $ids, $visibilityChangeMap ) {
		if ( !$this->settings->isEnabled() ) {
			return;
		}
		$revisions = self::newlyHidden( $visibilityChangeMap );
		if ( $revisions === [] ) {
			return;
		}
		$topics = [ 'recentchange', 'page:' . $title->getArticleID() ];
		if ( $title->getNamespace() === NS_USER_TALK && !$title->isSubpage() ) {
			$topics[] = 'user:' . $title->getText();
		}
		$retraction = [ 'revisions' => $revisions, 'topics' => $topics, 'reason' => 'revision deletion' ];
		DeferredUpdates::addCallableUpdate( function () use ( $retraction ) {
			$this->retractor->send( $retraction );
		}, DeferredUpdates::POSTSEND );
	}

	/**
	 * The revisions of which a field became hidden, with every bit now set. Fields made visible
	 * again are not sent: the edges keep redacting them (failing closed).
	 *
	 * @param array<int,array{oldBits:int,newBits:int}> $visibilityChangeMap
	 * @return array<int,array{id:int,hidden:int}>
	 */
	public static function newlyHidden( array $visibilityChangeMap ): array {
		$revisions = [];
		foreach ( $visibilityChangeMap as $id => $change ) {
			$old = (int)( $change['oldBits'] ?? 0 );
			$new = (int)( $change['newBits'] ?? 0 );
			if ( ( $new & ~$old & self::VISIBLE_FIELDS ) !== 0 ) {
				$revisions[] = [ 'id' => (int)$id, 'hidden' => $new ];
			}
		}
		return $revisions;
	}
}
