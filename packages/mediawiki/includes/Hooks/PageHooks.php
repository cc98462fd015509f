<?php

namespace MediaWiki\Extension\Wikicast\Hooks;

use Config;
use MediaWiki\Extension\Wikicast\Settings;
use MediaWiki\Extension\Wikicast\TokenFactory;
use MediaWiki\Extension\Wikicast\Watch\WatcherNotices;
use MediaWiki\Hook\BeforePageDisplayHook;
use MediaWiki\Preferences\Hook\GetPreferencesHook;
use MediaWiki\User\Hook\UserGetDefaultOptionsHook;

/**
 * The browser side: the seed's JavaScript variables (`wsWikiID`, `wsClientID`), the
 * `ext.wikicast` module that defines the global `webSocket`, and the preferences for the
 * "this page was edited" and "a page you watch was edited" notices.
 */
class PageHooks implements BeforePageDisplayHook, GetPreferencesHook, UserGetDefaultOptionsHook {
	public const NOTIFY_PREFERENCE = 'wikicast-notify';

	/** @var Settings */
	private $settings;
	/** @var TokenFactory */
	private $tokens;
	/** @var Config */
	private $config;

	public function __construct( Settings $settings, TokenFactory $tokens, Config $mainConfig ) {
		$this->settings = $settings;
		$this->tokens = $tokens;
		$this->config = $mainConfig;
	}

	/** @inheritDoc */
	public function onBeforePageDisplay( $out, $skin ): void {
		// As the seed: `wsWikiID` is "$wgDBprefix$wgDBname:" (here: the wiki id and a colon), so
		// `wsWikiID + 'UpdateComments'` is a topic of this wiki.
		$out->addJsConfigVars( [
			'wsWikiID' => $this->settings->wikiId . ':',
			'wsClientID' => $this->tokens->clientIdForSession( $out->getRequest()->getSession()->getId() ),
		] );
		// On a private wiki, anonymous visitors get no token: no client for them to retry with.
		if ( $this->settings->isEnabled() && $this->config->get( 'WikicastLoadClient' )
			&& $out->getAuthority()->isAllowed( 'read' )
		) {
			$out->addModules( 'ext.wikicast' );
			// RCFilters' live updates through Wikicast instead of polling, where RCFilters runs:
			// not for a user who chose the old interface (loading RCFilters there fails).
			$title = $out->getTitle();
			if ( $title && ( $title->isSpecial( 'Recentchanges' ) || $title->isSpecial( 'Watchlist' ) )
				&& in_array( 'mediawiki.rcfilters.filters.ui', $out->getModules(), true )
			) {
				$out->addModules( 'ext.wikicast.rcfilters' );
			}
		}
	}

	/** @inheritDoc */
	public function onGetPreferences( $user, &$preferences ) {
		$preferences[self::NOTIFY_PREFERENCE] = [
			'type' => 'toggle',
			'label-message' => 'wikicast-pref-notify',
			'help-message' => 'wikicast-pref-notify-help',
			'section' => 'rendering/wikicast',
		];
		$preferences[WatcherNotices::PREFERENCE] = [
			'type' => 'toggle',
			'label-message' => 'wikicast-pref-watch-notify',
			'help-message' => 'wikicast-pref-watch-notify-help',
			'section' => 'watchlist/wikicast',
		];
	}

	/** @inheritDoc */
	public function onUserGetDefaultOptions( &$defaultOptions ) {
		$defaultOptions[self::NOTIFY_PREFERENCE] = $this->config->get( 'WikicastNotifyDefault' ) ? 1 : 0;
	}
}
