<?php

namespace MediaWiki\Extension\Wikicast\Hooks;

use DeferredUpdates;
use MediaWiki\Extension\Wikicast\IngestClient;
use MediaWiki\Extension\Wikicast\Settings;
use MediaWiki\Hook\BlockIpCompleteHook;
use Psr\Log\LoggerInterface;

/**
 * Blocking a registered user closes their live connections on every edge (ingest's control
 * endpoint). They may reconnect to read, but the token they get then carries no send rights
 * (ApiWikicastToken), so a blocked user cannot keep broadcasting over a connection opened before.
 */
class BlockHooks implements BlockIpCompleteHook {
	/** @var IngestClient */
	private $ingest;
	/** @var Settings */
	private $settings;
	/** @var LoggerInterface */
	private $logger;

	public function __construct( IngestClient $ingest, Settings $settings, LoggerInterface $logger ) {
		$this->ingest = $ingest;
		$this->settings = $settings;
		$this->logger = $logger;
	}

	/** @inheritDoc */
	public function onBlockIpComplete( $block, $user, $priorBlock ) {
		$target = $block->getTargetUserIdentity();
		if ( !$this->settings->isEnabled() || !$this->settings->revokeOnBlock || !$target || !$target->isRegistered() ) {
			return;
		}
		$name = $target->getName();
		DeferredUpdates::addCallableUpdate( function () use ( $name ) {
			$result = $this->ingest->revokeUser( $name, 'blocked' );
			if ( !$result->ok ) {
				// Not queued: the connections end by themselves when their short-lived token expires.
				$this->logger->error( 'Wikicast could not revoke the connections of {user}: {status} {error}', [
					'user' => $name, 'status' => $result->status, 'error' => $result->error,
				] );
			}
		}, DeferredUpdates::POSTSEND );
	}
}
