<?php

namespace MediaWiki\Extension\Wikicast\Api;

use ApiBase;
use ApiMain;
use MediaWiki\Extension\Wikicast\Settings;
use MediaWiki\Extension\Wikicast\TokenFactory;
use MediaWiki\User\UserGroupManager;
use Title;
use Wikimedia\ParamValidator\ParamValidator;

/**
 * `action=wikicasttoken`: a short-lived connection token for the edges, carrying the user's
 * name (none for anonymous readers), client id, groups and send patterns, and the topics whose
 * presence it may use: those of the pages named in `presence` that the user may read (a page's
 * readers and editors, docs/presence.md). The browser module asks for a new one before the
 * current one expires.
 */
class ApiWikicastToken extends ApiBase {
	/** @var Settings */
	private $settings;
	/** @var TokenFactory */
	private $tokens;
	/** @var UserGroupManager */
	private $userGroups;

	public function __construct(
		ApiMain $main,
		string $moduleName,
		Settings $settings,
		TokenFactory $tokens,
		UserGroupManager $userGroups
	) {
		parent::__construct( $main, $moduleName );
		$this->settings = $settings;
		$this->tokens = $tokens;
		$this->userGroups = $userGroups;
	}

	public function execute() {
		if ( !$this->settings->isEnabled() ) {
			$this->dieWithError( 'wikicast-api-error-disabled', 'wikicast-disabled' );
		}
		$user = $this->getUser();
		$groups = $this->userGroups->getUserEffectiveGroups( $user );
		$block = $user->getBlock();
		// A sitewide-blocked user may still read along, but not send.
		$send = $block && $block->isSitewide() ? [] : $this->settings->sendPatternsFor( $groups );
		$minted = $this->tokens->edgeToken(
			$user->isRegistered() ? $user->getName() : null,
			$this->tokens->clientIdForSession( $this->getRequest()->getSession()->getId() ),
			$groups,
			$send,
			$this->settings->tokenTtlS,
			$this->presenceTopics( $this->getParameter( 'presence' ) ?? [] )
		);
		$this->getResult()->addValue( null, $this->getModuleName(), [
			'token' => $minted['token'],
			'exp' => $minted['exp'],
			'cid' => $minted['cid'],
			'wiki' => $this->settings->wikiId,
			'url' => $this->settings->edgeUrl,
		] );
	}

	/**
	 * @param int[] $pageIds
	 * @return string[] the readers' and editors' presence topics of the pages the user may read
	 */
	private function presenceTopics( array $pageIds ): array {
		$topics = [];
		foreach ( $pageIds as $pageId ) {
			$title = Title::newFromID( (int)$pageId );
			if ( $title !== null && $this->getAuthority()->authorizeRead( 'read', $title ) ) {
				$topics[] = "page:$pageId";
				$topics[] = "page:$pageId:editing";
			}
		}
		return $topics;
	}

	public function getAllowedParams() {
		return [
			'presence' => [
				ParamValidator::PARAM_TYPE => 'integer',
				ParamValidator::PARAM_ISMULTI => true,
			],
		];
	}

	public function getCacheMode( $params ) {
		return 'private';
	}

	protected function getExamplesMessages() {
		return [
			'action=wikicasttoken' => 'apihelp-wikicasttoken-example-1',
			'action=wikicasttoken&presence=12' => 'apihelp-wikicasttoken-example-2',
		];
	}
}
